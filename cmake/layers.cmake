# SPDX-License-Identifier: MIT
# The architecture as data: every layer's folder and the layers it builds directly on. The build
# turns each layer into a library whose include directory is its own folder and links only these,
# so an #include across an edge that is not listed here does not compile; tests/layering checks
# every #include of the tree against the same table. ARCHITECTURE.md draws it.
set(MVC_LAYERS kernel process spec topology lent engine cni reports support suites app)

set(MVC_LAYER_kernel_DIR harness/kernel)
set(MVC_LAYER_kernel_USES "")
set(MVC_LAYER_process_DIR harness/process)
set(MVC_LAYER_process_USES "")
set(MVC_LAYER_spec_DIR harness/spec)
set(MVC_LAYER_spec_USES kernel)
set(MVC_LAYER_topology_DIR harness/topology)
set(MVC_LAYER_topology_USES kernel spec)
set(MVC_LAYER_lent_DIR harness/lent)
set(MVC_LAYER_lent_USES topology process)
set(MVC_LAYER_engine_DIR harness/engine)
set(MVC_LAYER_engine_USES kernel process)
set(MVC_LAYER_cni_DIR harness/cni)
set(MVC_LAYER_cni_USES kernel process)
set(MVC_LAYER_reports_DIR reports)
set(MVC_LAYER_reports_USES "")
set(MVC_LAYER_support_DIR suites/support)
set(MVC_LAYER_support_USES topology reports)
set(MVC_LAYER_suites_DIR suites)
set(MVC_LAYER_suites_USES support engine cni)
set(MVC_LAYER_app_DIR app)
set(MVC_LAYER_app_USES suites lent)
