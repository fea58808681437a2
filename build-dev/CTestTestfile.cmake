# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build-dev
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test([=[unit/test_value]=] "/work/main/build-dev/test_value")
set_tests_properties([=[unit/test_value]=] PROPERTIES  ENVIRONMENT "ADF_SHARED=/work/main/../shared;ADFRUN=/work/main/build-dev/adfrun" WORKING_DIRECTORY "/work/main" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;77;add_test;/work/main/CMakeLists.txt;0;")
