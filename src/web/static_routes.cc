// placeholder: replaced by the web-ui helper
#include "web/routes.h"

namespace dokja::web {

Status AddStaticRoutes(App& /*app*/) { return Status::OK(); }

}  // namespace dokja::web
