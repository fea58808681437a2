# bench/validate.cmake -- the validator benchmark (include from CMakeLists.txt)
#
#   include(${PROJECT_SOURCE_DIR}/bench/validate.cmake OPTIONAL)
#
# Builds bench_validate; run it from a Release build:
#   ./bench_validate [SHARED_DIR]     (default $ADF_SHARED or ../shared)
add_executable(bench_validate ${PROJECT_SOURCE_DIR}/bench/validate.c)
target_link_libraries(bench_validate PRIVATE adf_activities)
