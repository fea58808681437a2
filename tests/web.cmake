# tests/web.cmake -- WebActivity test and benchmark targets
#
# Include AFTER the unit-test loop of the top CMakeLists.txt (for example
# at the end of tests/tests.cmake): it adds tests/support/httpd.c (the
# loopback HTTP server, TLS via libssl) to the test programs that start
# servers, and builds bench_web (never run by CTest).
pkg_check_modules(OPENSSL_WEB REQUIRED IMPORTED_TARGET openssl)

set(WEB_HTTPD_SRC ${PROJECT_SOURCE_DIR}/tests/support/httpd.c)
foreach(t test_web test_aci test_web_run)
  if(TARGET ${t})
    target_sources(${t} PRIVATE ${WEB_HTTPD_SRC})
    target_link_libraries(${t} PRIVATE PkgConfig::OPENSSL_WEB Threads::Threads)
    set_tests_properties(unit/${t} PROPERTIES TIMEOUT 120)
  endif()
endforeach()

add_executable(bench_web ${PROJECT_SOURCE_DIR}/bench/web.c ${WEB_HTTPD_SRC})
target_link_libraries(bench_web PRIVATE adf_activities PkgConfig::OPENSSL_WEB
  Threads::Threads)
