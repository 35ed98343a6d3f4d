# SPDX-License-Identifier: MIT
include(${CMAKE_CURRENT_LIST_DIR}/layers.cmake)

# mvc_layer(<layer> [OBJECT] SOURCES ... [LINK ...]): the library mvc_<layer> of the folder
# cmake/layers.cmake names, linked PUBLIC to the layers it may build on (and to LINK, the outside
# libraries it needs). OBJECT keeps every object file (suites register their tests at static
# initialisation, and a static library would drop the unreferenced ones).
function(mvc_layer layer)
  cmake_parse_arguments(L "OBJECT" "" "SOURCES;LINK;PRIVATE_LINK" ${ARGN})
  if(NOT DEFINED MVC_LAYER_${layer}_DIR)
    message(FATAL_ERROR "mvc_layer: '${layer}' is not a layer of cmake/layers.cmake")
  endif()
  if(L_OBJECT)
    add_library(mvc_${layer} OBJECT ${L_SOURCES})
  else()
    add_library(mvc_${layer} STATIC ${L_SOURCES})
  endif()
  target_include_directories(mvc_${layer} PUBLIC ${PROJECT_SOURCE_DIR}/${MVC_LAYER_${layer}_DIR})
  foreach(below IN LISTS MVC_LAYER_${layer}_USES)
    target_link_libraries(mvc_${layer} PUBLIC mvc_${below})
  endforeach()
  if(L_LINK)
    target_link_libraries(mvc_${layer} PUBLIC ${L_LINK})
  endif()
  if(L_PRIVATE_LINK)
    target_link_libraries(mvc_${layer} PRIVATE ${L_PRIVATE_LINK})
  endif()
endfunction()

# Precompiled headers: the standard library and the large outside headers each target includes
# (nlohmann/json, GoogleTest, Boost.Process, CLI11, TinyXML2, libnl) are parsed once per target
# instead of once per source file. Only outside headers: a project header in a PCH would let a
# layer see another that the table does not allow. MVC_PCH=OFF builds without them (e.g. to check
# that every file includes what it uses).
option(MVC_PCH "Precompile the standard and outside headers of each target" OFF)
set(MVC_PCH_STD <algorithm> <chrono> <filesystem> <functional> <map> <memory> <optional> <set> <sstream>
    <stdexcept> <string> <string_view> <vector>)
# mvc_precompile(<target> <header>...): the standard headers above and these.
function(mvc_precompile target)
  if(MVC_PCH)
    target_precompile_headers(${target} PRIVATE ${MVC_PCH_STD} ${ARGN})
  endif()
endfunction()
