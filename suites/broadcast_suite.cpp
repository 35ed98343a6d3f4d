#include "broadcast_suite.hpp"

namespace mvc {

void register_broadcast_suite(SuiteContext&, const CliOptions&) {}

}  // namespace mvc
