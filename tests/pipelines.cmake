# tests/pipelines.cmake -- the whole-pipeline test runner (STYLE.md 6.2),
# the engine benchmark.  Included by CMakeLists.txt (or tests/tests.cmake).
add_executable(adf_pipeline_test ${PROJECT_SOURCE_DIR}/tests/runner/adf_pipeline_test.c)
target_link_libraries(adf_pipeline_test PRIVATE adf_activities)
add_test(NAME pipelines COMMAND adf_pipeline_test tests/pipelines)
set_tests_properties(pipelines PROPERTIES WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})

add_executable(bench_engine ${PROJECT_SOURCE_DIR}/bench/engine.c)
target_link_libraries(bench_engine PRIVATE adf_activities)

# The live view of `adfrun run` on a terminal (tmux; skipped without it).
add_test(NAME live_view
  COMMAND sh ${PROJECT_SOURCE_DIR}/tests/live_view.sh $<TARGET_FILE:adfrun>)
set_tests_properties(live_view PROPERTIES WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  LABELS script)

# Ctrl-C: a real SIGINT to a running adfrun (tests/sigint.sh).
add_test(NAME sigint
  COMMAND sh ${PROJECT_SOURCE_DIR}/tests/sigint.sh $<TARGET_FILE:adfrun>)
set_tests_properties(sigint PROPERTIES WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  LABELS script)
