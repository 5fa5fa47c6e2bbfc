# Run after a test binary is built (cmake -P): lists its tests and writes CTEST_FILE with one
# ctest test per gtest suite, named after the suite and running it with --gtest_filter=SUITE.*.
# One process per suite instead of per test: a sanitizer build of the test binary takes over a
# second just to start (relocating and registering ~200 MB of instrumented globals), which, paid
# for each of ~1,200 tests, was most of CI's test time.
#
# Inputs: TEST_EXECUTABLE, CTEST_FILE, LABEL, TIMEOUT.
execute_process(COMMAND "${TEST_EXECUTABLE}" --gtest_list_tests
                OUTPUT_VARIABLE listing RESULT_VARIABLE status ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${TEST_EXECUTABLE} --gtest_list_tests failed (${status}):\n${errors}")
endif()

set(script "")
string(REPLACE "\n" ";" lines "${listing}")
foreach(line IN LISTS lines)
  # A suite line starts in the first column and ends with '.' (maybe followed by a
  # "# TypeParam" comment); test lines are indented.
  if(line MATCHES "^([^ #][^ ]*)\\.")
    set(suite "${CMAKE_MATCH_1}")
    string(APPEND script
      "add_test([==[${suite}]==] [==[${TEST_EXECUTABLE}]==] [==[--gtest_filter=${suite}.*]==])\n"
      "set_tests_properties([==[${suite}]==] PROPERTIES LABELS [==[${LABEL}]==] TIMEOUT ${TIMEOUT})\n")
  endif()
endforeach()
file(WRITE "${CTEST_FILE}" "${script}")
