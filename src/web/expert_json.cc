#include "web/expert_json.h"

#include <set>
#include <string>

namespace dokja::web {
namespace {

using Json = nlohmann::json;

Status Bad(const std::string& where, const std::string& what) {
  return Status::InvalidArgument(where + ": " + what);
}

Result<std::string> Text(const Json& j, const char* key, const std::string& where, size_t max_bytes,
                         bool required) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return Bad(where, std::string("missing field '") + key + "'");
    return std::string();
  }
  if (!j[key].is_string()) return Bad(where, std::string("field '") + key + "': expected a string");
  std::string s = j[key].get<std::string>();
  if (required && s.empty()) return Bad(where, std::string("field '") + key + "' is empty");
  if (s.size() > max_bytes) {
    return Bad(where, std::string("field '") + key + "' is longer than " +
                          std::to_string(max_bytes) + " bytes");
  }
  return s;
}

Result<int64_t> Integer(const Json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) return Bad(where, std::string("missing field '") + key + "'");
  const Json& v = j[key];
  if (!v.is_number_integer()) {
    return Bad(where, std::string("field '") + key + "': expected an integer");
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return Bad(where, std::string("field '") + key + "' is out of range");
  }
  return v.get<int64_t>();
}

bool IsKey(const std::string& key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<store::Criterion> CriterionFromJson(const Json& j, const std::string& where) {
  if (!j.is_object()) return Bad(where, "expected an object");
  store::Criterion c;
  DOKJA_ASSIGN_OR_RETURN(c.key, Text(j, "key", where, 64, true));
  if (!IsKey(c.key)) return Bad(where, "key '" + c.key + "' must be 1-64 of [A-Za-z0-9_.-]");
  DOKJA_ASSIGN_OR_RETURN(c.name_ko, Text(j, "name_ko", where, kMaxNameBytes, true));
  DOKJA_ASSIGN_OR_RETURN(c.name_en, Text(j, "name_en", where, kMaxNameBytes, true));
  DOKJA_ASSIGN_OR_RETURN(c.description_ko,
                         Text(j, "description_ko", where, kMaxDescriptionBytes, false));
  DOKJA_ASSIGN_OR_RETURN(c.description_en,
                         Text(j, "description_en", where, kMaxDescriptionBytes, false));
  DOKJA_ASSIGN_OR_RETURN(c.scale_min, Integer(j, "scale_min", where));
  DOKJA_ASSIGN_OR_RETURN(c.scale_max, Integer(j, "scale_max", where));
  if (c.scale_min < 0 || c.scale_min >= c.scale_max || c.scale_max > kMaxScale) {
    return Bad(where, "scale must satisfy 0 <= scale_min < scale_max <= " +
                          std::to_string(kMaxScale) + ", got [" + std::to_string(c.scale_min) +
                          ", " + std::to_string(c.scale_max) + "]");
  }
  return c;
}

}  // namespace

Json RubricJson(const store::Rubric& rubric) {
  Json criteria = Json::array();
  for (const store::Criterion& c : rubric.criteria) {
    criteria.push_back({{"id", c.id},
                        {"key", c.key},
                        {"name_ko", c.name_ko},
                        {"name_en", c.name_en},
                        {"description_ko", c.description_ko},
                        {"description_en", c.description_en},
                        {"scale_min", c.scale_min},
                        {"scale_max", c.scale_max}});
  }
  return {{"id", rubric.id}, {"name", rubric.name}, {"criteria", std::move(criteria)}};
}

Result<store::Rubric> RubricFromJson(const Json& body) {
  store::Rubric rubric;
  DOKJA_ASSIGN_OR_RETURN(rubric.name, Text(body, "name", "rubric", kMaxNameBytes, true));
  if (!body.contains("criteria") || !body["criteria"].is_array()) {
    return Bad("rubric", "field 'criteria': expected an array");
  }
  const Json& list = body["criteria"];
  if (list.empty() || list.size() > kMaxCriteria) {
    return Bad("rubric", "needs 1 to " + std::to_string(kMaxCriteria) + " criteria");
  }
  std::set<std::string> keys;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "criteria[" + std::to_string(i) + "]";
    DOKJA_ASSIGN_OR_RETURN(store::Criterion c, CriterionFromJson(list[i], where));
    if (!keys.insert(c.key).second) return Bad(where, "key '" + c.key + "' appears twice");
    rubric.criteria.push_back(std::move(c));
  }
  return rubric;
}

Result<std::vector<store::CriterionScore>> ScoresFromJson(const Json& body) {
  if (!body.contains("scores") || !body["scores"].is_array()) {
    return Bad("body", "field 'scores': expected an array");
  }
  const Json& list = body["scores"];
  if (list.size() > kMaxCriteria) return Bad("scores", "more entries than any rubric has");
  std::vector<store::CriterionScore> out;
  std::set<int64_t> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = "scores[" + std::to_string(i) + "]";
    if (!list[i].is_object()) return Bad(where, "expected an object");
    store::CriterionScore s;
    DOKJA_ASSIGN_OR_RETURN(s.criterion_id, Integer(list[i], "criterion_id", where));
    DOKJA_ASSIGN_OR_RETURN(s.score, Integer(list[i], "score", where));
    DOKJA_ASSIGN_OR_RETURN(s.comment, Text(list[i], "comment", where, kMaxCommentBytes, false));
    if (!seen.insert(s.criterion_id).second) {
      return Bad(where, "criterion " + std::to_string(s.criterion_id) + " appears twice");
    }
    out.push_back(std::move(s));
  }
  return out;
}

Json ScoresJson(const std::vector<store::CriterionScore>& scores) {
  Json out = Json::array();
  for (const store::CriterionScore& s : scores) {
    out.push_back({{"criterion_id", s.criterion_id}, {"score", s.score}, {"comment", s.comment}});
  }
  return out;
}

Json MaterialJson(const store::Material& m) {
  return {{"id", m.id},
          {"title", m.title},
          {"media_type", m.media_type},
          {"size_bytes", m.size_bytes},
          {"sha256", m.sha256}};
}

}  // namespace dokja::web
