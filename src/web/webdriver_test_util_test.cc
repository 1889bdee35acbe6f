// The WebDriver client against a real headless Chromium and a tiny page
// served by httplib on loopback. Skipped only when chromedriver is missing.
#include "web/webdriver_test_util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <httplib.h>

namespace dokja::web::testing {
namespace {

constexpr const char* kPage = R"(<!doctype html><html><head><meta charset="utf-8">
<script src="/page.js" defer></script></head><body>
<label for="name">Name</label><input id="name"><button id="go" type="button">Go</button>
<p id="out"></p><p id="hidden" style="display:none">x</p></body></html>)";

constexpr const char* kScript = R"(document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('go').addEventListener('click', () => {
    document.getElementById('out').textContent = 'Hello, ' + document.getElementById('name').value;
  });
});)";

// A page server on 127.0.0.1 at a free port, stopped by the destructor.
class PageServer {
 public:
  PageServer() {
    server_.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(kPage, "text/html; charset=utf-8");
    });
    server_.Get("/page.js", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(kScript, "text/javascript");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~PageServer() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

#define REQUIRE_CHROMEDRIVER()                                      \
  do {                                                              \
    auto found = FindChromedriver();                                \
    if (!found.ok()) GTEST_SKIP() << found.status().ToString();     \
  } while (0)

std::unique_ptr<WebDriver> StartDriver() {
  auto driver = WebDriver::Start();
  EXPECT_TRUE(driver.ok()) << driver.status().ToString();
  return driver.ok() ? std::move(driver).value() : nullptr;
}

TEST(WebDriver, TypesClicksAndReadsTextOnARealPage) {
  REQUIRE_CHROMEDRIVER();
  PageServer server;
  auto driver = StartDriver();
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->Navigate(server.Url()).ok());
  auto name = driver->WaitFor("#name");
  ASSERT_TRUE(name.ok()) << name.status().ToString();
  ASSERT_TRUE(driver->SendKeys(*name, "세계 & <b>").ok());
  auto go = driver->Find("#go");
  ASSERT_TRUE(go.ok());
  ASSERT_TRUE(driver->Click(*go).ok());
  ASSERT_TRUE(driver->WaitUntil("document.getElementById('out').textContent.length > 0").ok());
  auto out = driver->Find("#out");
  ASSERT_TRUE(out.ok());
  auto text = driver->Text(*out);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "Hello, 세계 & <b>");
  auto value = driver->Property(*name, "value");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, "세계 & <b>");
  auto sum = driver->Execute("return arguments[0] + arguments[1];", {2, 3});
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(*sum, 5);
  auto tag = driver->Execute("return arguments[0].tagName;", nlohmann::json::array({WebDriver::ElementArg(*go)}));
  ASSERT_TRUE(tag.ok()) << tag.status().ToString();
  EXPECT_EQ(*tag, "BUTTON");
}

TEST(WebDriver, MissingAndHiddenElementsAreReportedNotFound) {
  REQUIRE_CHROMEDRIVER();
  PageServer server;
  auto driver = StartDriver();
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->Navigate(server.Url()).ok());
  auto missing = driver->Find("#no-such-thing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto hidden = driver->WaitFor("#hidden", 300);  // exists but is not displayed
  ASSERT_FALSE(hidden.ok());
  EXPECT_NE(hidden.status().message().find("#hidden"), std::string::npos);
  auto never = driver->WaitUntil("false", 200);
  EXPECT_FALSE(never.ok());
  auto all = driver->FindAll("p");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  auto bad_script = driver->Execute("throw new Error('boom');");
  ASSERT_FALSE(bad_script.ok());
  EXPECT_NE(bad_script.status().message().find("boom"), std::string::npos);
}

TEST(WebDriver, SeesAlertsResizesAndSavesAPngScreenshot) {
  REQUIRE_CHROMEDRIVER();
  PageServer server;
  auto driver = StartDriver();
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(driver->Navigate(server.Url()).ok());
  EXPECT_EQ(driver->AlertText().status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(driver->Execute("setTimeout(() => alert('hi there'), 0);").ok());
  std::string alert;
  for (int i = 0; i < 100 && alert.empty(); ++i) {
    auto got = driver->AlertText();
    if (got.ok()) alert = *got;
    else std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(alert, "hi there");
  ASSERT_TRUE(driver->DismissAlert().ok());
  ASSERT_TRUE(driver->SetWindowSize(600, 700).ok());
  auto width = driver->Execute("return window.innerWidth;");
  ASSERT_TRUE(width.ok());
  EXPECT_EQ(*width, 600);
  std::string path = std::string(DOKJA_BINARY_DIR) + "/test-screenshots/webdriver_selftest.png";
  ASSERT_TRUE(driver->SaveScreenshot(path).ok());
  EXPECT_GT(std::filesystem::file_size(path), 100u);
  std::printf("screenshot: %s\n", path.c_str());
}

TEST(WebDriver, NamesAMissingChromedriver) {
  if (std::getenv("DOKJA_CHROMEDRIVER") != nullptr) GTEST_SKIP() << "DOKJA_CHROMEDRIVER is set";
  WebDriverOptions options;
  options.chromedriver = "/nonexistent/chromedriver";
  auto found = FindChromedriver(options);
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), StatusCode::kNotFound);
  EXPECT_NE(found.status().message().find("/nonexistent/chromedriver"), std::string::npos);
  auto driver = WebDriver::Start(options);
  EXPECT_FALSE(driver.ok());
}

}  // namespace
}  // namespace dokja::web::testing
