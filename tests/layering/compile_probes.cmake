# SPDX-License-Identifier: MIT
# cmake -DBUILD_DIR=<build> -DGENERATOR=<generator> -DPROBES=<target=header;...> -DEXPECT=fail|pass
#       -P compile_probes.cmake
# Builds the probe targets (each a one-line source of one layer that includes one header of
# another layer) in one build that keeps going past errors. EXPECT=fail: every probe must fail, and
# fail because the header is not on that layer's include path. EXPECT=pass: every probe must build
# (the positive controls that show a probe can).
cmake_minimum_required(VERSION 3.25)
set(targets "")
foreach(probe IN LISTS PROBES)
  string(REPLACE "=" ";" parts "${probe}")
  list(GET parts 0 target)
  list(APPEND targets ${target})
endforeach()
if(GENERATOR MATCHES "Ninja")
  set(keep_going -k 0)
else()
  set(keep_going -k)
endif()
# Every probe is one small, independent object: as many at once as the machine has cores.
cmake_host_system_information(RESULT cores QUERY NUMBER_OF_LOGICAL_CORES)
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --parallel ${cores} --target ${targets} -- ${keep_going}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(log "${out}${err}")
set(problems "")
foreach(probe IN LISTS PROBES)
  string(REPLACE "=" ";" parts "${probe}")
  list(GET parts 0 target)
  list(GET parts 1 header)
  string(FIND "${log}" "${target}.cpp:1:10: fatal error: ${header}: No such file or directory" missing)
  if(EXPECT STREQUAL "fail" AND missing EQUAL -1)
    list(APPEND problems "${target} did not fail on the missing ${header}: the header is visible across a forbidden edge")
  elseif(EXPECT STREQUAL "pass" AND NOT missing EQUAL -1)
    list(APPEND problems "${target} (an allowed edge) cannot see ${header}")
  endif()
endforeach()
if(EXPECT STREQUAL "pass" AND NOT status EQUAL 0)
  list(APPEND problems "the allowed probes did not all build:\n${log}")
endif()
if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "${text}")
endif()
list(LENGTH targets count)
message(STATUS "${count} probes: every one ${EXPECT}ed, as cmake/layers.cmake says")
