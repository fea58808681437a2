# tests/data.cmake -- extra link needs and test settings of the data activities
#
# Include from CMakeLists.txt AFTER the unit-test loop (it adds to targets
# defined there): include(${PROJECT_SOURCE_DIR}/tests/data.cmake OPTIONAL)
# libcrypto (HMAC-SHA256 SharedKey signing, MD5) and zlib (gzip/deflate)
# are both pulled in by libcurl4-openssl-dev already.
pkg_check_modules(CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
target_link_libraries(adf_activities PUBLIC PkgConfig::CRYPTO PkgConfig::ZLIB)

# Azurite start-up takes a few seconds; the test skips itself when node or
# .cache/azurite (scripts/install-azurite.sh) is missing.
if(TEST unit/test_azurite)
  set_tests_properties(unit/test_azurite PROPERTIES TIMEOUT 300
    ENVIRONMENT "ADF_SHARED=${ADF_SHARED_DIR};ADF_REPO=${PROJECT_SOURCE_DIR}")
endif()

include(${PROJECT_SOURCE_DIR}/bench/copy.cmake OPTIONAL)

# test_data_http starts the loopback server of tests/support/httpd.c (it
# plays an HttpServer, the token endpoints and a Blob service).
if(TARGET test_data_http)
  pkg_check_modules(OPENSSL_DATA REQUIRED IMPORTED_TARGET openssl)
  target_sources(test_data_http PRIVATE ${PROJECT_SOURCE_DIR}/tests/support/httpd.c)
  target_link_libraries(test_data_http PRIVATE PkgConfig::OPENSSL_DATA Threads::Threads)
  set_tests_properties(unit/test_data_http PROPERTIES TIMEOUT 120)
endif()

# test_security_secrets runs the adfrun binary against the loopback server
# of tests/support/httpd.c (answers that echo secrets back).
if(TARGET test_security_secrets)
  pkg_check_modules(OPENSSL_SEC REQUIRED IMPORTED_TARGET openssl)
  target_sources(test_security_secrets PRIVATE ${PROJECT_SOURCE_DIR}/tests/support/httpd.c)
  target_link_libraries(test_security_secrets PRIVATE PkgConfig::OPENSSL_SEC Threads::Threads)
  set_tests_properties(unit/test_security_secrets PROPERTIES TIMEOUT 180)
endif()
