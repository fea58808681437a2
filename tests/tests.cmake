# tests/tests.cmake -- extra test targets, included by the top CMakeLists.txt
#
# adf_expr_test runs every tests/expr/*.test file as its own CTest; it links
# only adf_expr so an upward call fails to link.  bench_expr is a benchmark
# program (built, never run by CTest).  Fuzz targets are built by the top
# file when ADF_FUZZ=ON; here only their regressions are replayed.

# ---- expression tests -----------------------------------------------------
add_executable(adf_expr_test ${PROJECT_SOURCE_DIR}/tests/runner/adf_expr_test.c)
target_link_libraries(adf_expr_test PRIVATE adf_expr)

file(GLOB EXPR_TEST_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/expr/*.test)
foreach(f ${EXPR_TEST_FILES})
  get_filename_component(name ${f} NAME_WE)
  add_test(NAME expr/${name} COMMAND adf_expr_test ${f})
  set_tests_properties(expr/${name} PROPERTIES
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    ENVIRONMENT "ADF_SHARED=${ADF_SHARED_DIR}")
endforeach()

# ---- benchmarks -------------------------------------------------------------
add_executable(bench_expr ${PROJECT_SOURCE_DIR}/bench/expr.c)
target_link_libraries(bench_expr PRIVATE adf_expr)

# ---- fuzz regressions (replayed without libFuzzer) --------------------------
if(NOT ADF_FUZZ)
  add_executable(fuzz_expr_replay ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_expr.c)
  target_compile_definitions(fuzz_expr_replay PRIVATE ADF_FUZZ_REPLAY=1)
  target_link_libraries(fuzz_expr_replay PRIVATE adf_expr)
  file(GLOB FUZZ_EXPR_REGRESSIONS CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/tests/fuzz/regressions/expr-*)
  if(FUZZ_EXPR_REGRESSIONS)
    add_test(NAME fuzz/expr-regressions
      COMMAND fuzz_expr_replay ${FUZZ_EXPR_REGRESSIONS})
  endif()

  add_executable(fuzz_load_replay ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_load.c)
  target_compile_definitions(fuzz_load_replay PRIVATE ADF_FUZZ_REPLAY=1)
  target_link_libraries(fuzz_load_replay PRIVATE adf_interp)
  file(GLOB FUZZ_LOAD_INPUTS CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus_load/*
    ${PROJECT_SOURCE_DIR}/tests/fuzz/regressions/load-*)
  add_test(NAME fuzz/load-seeds COMMAND fuzz_load_replay ${FUZZ_LOAD_INPUTS})

  # fuzz_run runs pipelines on the virtual clock (control types only).
  add_executable(fuzz_run_replay ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_run.c)
  target_compile_definitions(fuzz_run_replay PRIVATE ADF_FUZZ_REPLAY=1)
  target_link_libraries(fuzz_run_replay PRIVATE adf_interp)
  file(GLOB FUZZ_RUN_INPUTS CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus_run/*
    ${PROJECT_SOURCE_DIR}/tests/fuzz/regressions/run-*)
  add_test(NAME fuzz/run-seeds COMMAND fuzz_run_replay ${FUZZ_RUN_INPUTS})
endif()

# ---- WebActivity / HTTP tests and benchmark -------------------------------
include(${PROJECT_SOURCE_DIR}/tests/web.cmake)

# ---- whole-pipeline tests and the engine benchmark ------------------------
include(${PROJECT_SOURCE_DIR}/tests/pipelines.cmake)
