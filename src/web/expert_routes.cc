// placeholder: replaced by the web-expert helper
#include "web/routes.h"

namespace dokja::web {

Status AddExpertRoutes(App& /*app*/) { return Status::OK(); }

}  // namespace dokja::web
