// Screening over the trained fixtures (tests/testdata/audit): every reference
// the manifest lists goes into a registry; each fixture is screened against
// all of them. Derived and shared-init pairs must come out as suspects,
// independent pairs must not, and mm_frozen's vision must be COPIED from
// public_vit by its content hashes alone.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "audit/registry.h"
#include "audit/screen.h"
#include "io/env.h"

namespace dokja::audit {
namespace {

const std::string kDir = std::string(DOKJA_SOURCE_DIR) + "/tests/testdata/audit";

std::string FixturePath(const std::string& name) {
  if (std::filesystem::exists(kDir + "/" + name)) return kDir + "/" + name;
  return kDir + "/" + name + ".gguf";
}

class AuditScreen : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::ifstream in(kDir + "/MANIFEST.json");
    manifest_ = new nlohmann::json(nlohmann::json::parse(in));
    fps_ = new std::map<std::string, Fingerprint>;
    for (const auto& e : (*manifest_)["expected"]) {
      for (const std::string& name : {e["model"].get<std::string>(), e["reference"].get<std::string>()}) {
        if (fps_->count(name)) continue;
        auto m = OpenModel(io::Env::Default(), FixturePath(name));
        ASSERT_TRUE(m.ok()) << name;
        auto fp = ComputeFingerprint(*m);
        ASSERT_TRUE(fp.ok()) << name << ": " << fp.status().ToString();
        fps_->emplace(name, std::move(fp).value());
      }
    }
  }
  static void TearDownTestSuite() {
    delete manifest_;
    delete fps_;
  }
  // Every manifest reference as a registry entry, through a real registry.
  static std::vector<std::pair<RegistryEntry, Fingerprint>> Registered() {
    auto reg = Registry::Open(":memory:");
    EXPECT_TRUE(reg.ok());
    std::set<std::string> refs;
    for (const auto& e : (*manifest_)["expected"]) refs.insert(e["reference"].get<std::string>());
    for (const std::string& r : refs) {
      EXPECT_TRUE((*reg)->Add({r, "fixture", "test", "", FixturePath(r)}, fps_->at(r)).ok());
    }
    auto all = (*reg)->LoadAll();
    EXPECT_TRUE(all.ok());
    return std::move(all).value();
  }
  static nlohmann::json* manifest_;
  static std::map<std::string, Fingerprint>* fps_;
};
nlohmann::json* AuditScreen::manifest_ = nullptr;
std::map<std::string, Fingerprint>* AuditScreen::fps_ = nullptr;

const ScreenEntryResult* EntryFor(const Screening& s, const std::string& name) {
  for (const ScreenEntryResult& e : s.entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

// A model is never screened against its own registry entry.
std::vector<ScreenTarget> Without(const std::vector<ScreenTarget>& all, const std::string& name) {
  std::vector<ScreenTarget> out;
  for (const ScreenTarget& t : all) {
    if (t.name != name) out.push_back(t);
  }
  return out;
}

TEST_F(AuditScreen, DerivedPairsAreSuspectsAndIndependentPairsAreNot) {
  const auto registry = Registered();
  std::vector<ScreenTarget> targets;
  for (const auto& [entry, fp] : registry) targets.push_back({entry.name, entry.weights_path, &fp});
  ASSERT_GE(targets.size(), 6u);
  double strongest_independent = 0, weakest_related = -1e300;
  std::string strongest_pair;
  int related = 0, independent = 0;
  for (const auto& e : (*manifest_)["expected"]) {
    const std::string model = e["model"], ref = e["reference"];
    bool is_related = false;
    for (const auto& [component, v] : e["verdicts"].items()) {
      is_related |= v.is_string() && v != "ORIGINAL";
    }
    const Screening s = ScreenFingerprint(fps_->at(model), Without(targets, model));
    const ScreenEntryResult* r = EntryFor(s, ref);
    ASSERT_NE(r, nullptr);
    std::printf("%-18s vs %-11s %-8s log10 p %9.1f  %s\n", model.c_str(), ref.c_str(),
                r->suspect ? "SUSPECT" : "-", r->log10_p, r->why.c_str());
    if (is_related) {
      ++related;
      EXPECT_TRUE(r->suspect) << model << " vs " << ref << ": " << r->why;
      weakest_related = std::max(weakest_related, r->log10_p);
    } else {
      ++independent;
      EXPECT_FALSE(r->suspect) << model << " vs " << ref << ": " << r->why;
      if (r->log10_p < strongest_independent) {
        strongest_independent = r->log10_p;
        strongest_pair = model + " vs " + ref;
      }
    }
  }
  std::printf("related pairs %d, independent pairs %d; strongest independent log10 p %.2f (%s); "
              "weakest related log10 p %.1f\n",
              related, independent, strongest_independent, strongest_pair.c_str(), weakest_related);
  EXPECT_GE(related, 13);
  EXPECT_GE(independent, 15);
  EXPECT_GT(strongest_independent, -6.0);
}

TEST_F(AuditScreen, TwoStageRegistryScreeningFlagsTheSamePairs) {
  std::set<std::string> refs;
  for (const auto& e : (*manifest_)["expected"]) refs.insert(e["reference"].get<std::string>());
  for (const auto& e : (*manifest_)["expected"]) {
    const std::string model = e["model"], ref = e["reference"];
    auto reg = Registry::Open(":memory:");
    ASSERT_TRUE(reg.ok());
    for (const std::string& r : refs) {
      if (r == model) continue;
      ASSERT_TRUE((*reg)->Add({r, "", "", "", ""}, fps_->at(r)).ok());
    }
    auto two_stage = (*reg)->Screen(fps_->at(model));
    ASSERT_TRUE(two_stage.ok()) << two_stage.status().ToString();
    bool is_related = false;
    for (const auto& [component, v] : e["verdicts"].items()) is_related |= v.is_string() && v != "ORIGINAL";
    const ScreenEntryResult* r = EntryFor(*two_stage, ref);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->suspect, is_related) << model << " vs " << ref << ": " << r->why;
  }
}

TEST_F(AuditScreen, FrozenVisionEncoderIsCopiedByContentHash) {
  const auto registry = Registered();
  std::vector<ScreenTarget> targets;
  for (const auto& [entry, fp] : registry) targets.push_back({entry.name, entry.weights_path, &fp});
  const Screening s = ScreenFingerprint(fps_->at("mm_frozen"), Without(targets, "mm_frozen"));
  ASSERT_FALSE(s.entries.empty());
  EXPECT_EQ(s.entries[0].name, "public_vit");  // copied suspects first
  const ScreenEntryResult* vit = EntryFor(s, "public_vit");
  ASSERT_NE(vit, nullptr);
  bool vision_copied = false;
  for (const ScreenComponent& c : vit->components) {
    if (c.component.rfind("vision", 0) == 0) {
      vision_copied = c.copied;
      EXPECT_GT(c.n_informative, 4u);
      EXPECT_EQ(c.n_exact, c.n_informative);
    } else {
      EXPECT_FALSE(c.copied) << c.component;
    }
  }
  EXPECT_TRUE(vision_copied) << vit->why;
  // Fine-tuned and re-initialised encoders share no tensor with it.
  for (const char* other : {"mm_finetuned", "mm_reinit"}) {
    const Screening o = ScreenFingerprint(fps_->at(other), Without(targets, other));
    for (const ScreenComponent& c : EntryFor(o, "public_vit")->components) {
      EXPECT_FALSE(c.copied) << other << " " << c.component;
      EXPECT_EQ(c.n_exact, 0u) << other << " " << c.component;
    }
  }
}

}  // namespace
}  // namespace dokja::audit
