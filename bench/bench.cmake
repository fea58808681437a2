# bench/bench.cmake -- benchmark programs of the loader (built, never run
# by CTest).  Include from the top CMakeLists.txt:
#   include(${PROJECT_SOURCE_DIR}/bench/bench.cmake OPTIONAL)
# Run: ADF_SHARED=/work/shared ./bench_load  (Release build)
add_executable(bench_load ${PROJECT_SOURCE_DIR}/bench/load.c)
target_link_libraries(bench_load PRIVATE adf_interp)
