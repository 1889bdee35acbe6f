// What recompute needs from the record reader, and the value comparison it
// uses.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace dokja::scoring::internal {

// The entries of a record that verifies (see record.h), in order.
Result<std::vector<nlohmann::json>> ReadRecordEntries(const std::string& path);

// A path as recorded (relative to the record's folder) made usable from here.
std::string ResolveRecordedPath(const std::string& recorded, const std::string& record_path);

// Appends "path: recorded X, recomputed Y" for every difference (numbers
// compare within 1e-9 relative); stops after 20.
void CompareJson(const nlohmann::json& want, const nlohmann::json& got, const std::string& at,
                 std::vector<std::string>& diffs);

}  // namespace dokja::scoring::internal
