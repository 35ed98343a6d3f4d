# SPDX-License-Identifier: MIT
# mvc_layer_closure(<layer> <out-var>): every layer <layer> may include, itself excluded: the
# layers it uses, and theirs, as cmake/layers.cmake lists them.
function(mvc_layer_closure layer out)
  set(seen "")
  set(todo ${MVC_LAYER_${layer}_USES})
  while(todo)
    list(POP_FRONT todo next)
    if(NOT next IN_LIST seen)
      list(APPEND seen ${next})
      list(APPEND todo ${MVC_LAYER_${next}_USES})
    endif()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()
