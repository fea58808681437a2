# bench/copy.cmake -- the Copy throughput benchmark (not part of ctest)
#
# Build: ninja -C <build> bench_copy; run: <build>/bench_copy [MiB]
# (default 1024).  Use a Release build: sanitizers distort the numbers.
add_executable(bench_copy ${PROJECT_SOURCE_DIR}/bench/copy.c)
target_link_libraries(bench_copy PRIVATE adf_activities)
