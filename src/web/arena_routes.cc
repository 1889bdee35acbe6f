// placeholder: replaced by the web-arena helper
#include "web/routes.h"

namespace dokja::web {

Status AddArenaRoutes(App& /*app*/) { return Status::OK(); }

}  // namespace dokja::web
