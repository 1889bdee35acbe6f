include(GoogleTest OPTIONAL)

# dokja_add_test(NAME src.cc... LIBS lib...): a GoogleTest binary whose cases
# ctest lists one by one. Tests see DOKJA_SOURCE_DIR and DOKJA_SHARED_DIR.
function(dokja_add_test name)
  if(NOT DOKJA_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    DOKJA_SOURCE_DIR="${DOKJA_SOURCE_DIR}" DOKJA_SHARED_DIR="${DOKJA_SHARED_DIR}")
  dokja_set_warnings(${name})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 300)
endfunction()
