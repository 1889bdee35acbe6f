// The UI in a real headless Chromium (chromedriver) against a real App on
// loopback: sign in, languages, invitations, expert scoring, arena battles,
// leaderboard, XSS attempts, CSP, a phone-size viewport. Every test saves
// screenshots under <build>/test-screenshots/ and prints their paths.
// Skipped only when chromedriver is not installed.
#include "web/browser_test_util.h"

namespace dokja::web::testing {
namespace {

TEST_F(BrowserTest, SignsInAndOutAndShowsAWrongPasswordAsAnAlert) {
  server_->CreateAccount("panel1", store::Role::kUser);
  ASSERT_TRUE(driver_->Navigate(Url("/#/login")).ok());
  Type("#login-username", "panel1");
  Type("#login-password", "wrong password!");
  Click("#login-submit");
  ASSERT_TRUE(driver_->WaitUntil("document.getElementById('status').textContent.length > 0").ok());
  EXPECT_EQ(TextOf("#status"), "Wrong username or password.");
  auto role = driver_->Execute("return document.getElementById('status').getAttribute('role');");
  EXPECT_EQ(*role, "alert");
  Shot("login_error");

  SignIn("panel1");
  EXPECT_TRUE(driver_->WaitUntil("location.hash === '#/arena'").ok());
  EXPECT_NE(TextOf("#whoami").find("panel1"), std::string::npos);
  Click("#logout");
  EXPECT_TRUE(driver_->WaitFor("#login-form").ok());
  EXPECT_EQ(Js("return getComputedStyle(document.getElementById('logout')).display;"), "none");
}

// Keyboard only: the form focuses the user name, Tab moves on, Enter submits.
TEST_F(BrowserTest, SignsInWithTheKeyboardAlone) {
  server_->CreateAccount("keys", store::Role::kUser);
  ASSERT_TRUE(driver_->Navigate(Url("/#/login")).ok());
  ASSERT_TRUE(driver_->WaitFor("#login-form").ok());
  auto focused = driver_->ActiveElement();
  ASSERT_TRUE(focused.ok()) << focused.status().ToString();
  EXPECT_EQ(*driver_->Property(*focused, "id"), "login-username");
  ASSERT_TRUE(driver_->SendKeys(*focused, std::string("keys") + kTabKey).ok());
  focused = driver_->ActiveElement();
  ASSERT_TRUE(focused.ok());
  EXPECT_EQ(*driver_->Property(*focused, "id"), "login-password");
  ASSERT_TRUE(driver_->SendKeys(*focused, std::string(kPassword) + kEnterKey).ok());
  EXPECT_TRUE(driver_->WaitUntil("location.hash === '#/arena'").ok()) << TextOf("#status");
  // The battle page is reachable by Tab too: the prompt is a labelled field.
  EXPECT_EQ(Js("return document.querySelector('label[for=prompt]') !== null;"), true);
}

TEST_F(BrowserTest, SwitchesToKoreanAndRemembersIt) {
  ASSERT_TRUE(driver_->Navigate(Url("/#/login")).ok());
  ASSERT_TRUE(driver_->WaitFor("#login-form").ok());
  EXPECT_EQ(Js("return document.documentElement.lang;"), "en");
  EXPECT_EQ(TextOf("label[for=login-username]"), "Username");
  SelectOption("#lang-select", "ko");
  ASSERT_TRUE(driver_->WaitUntil("document.documentElement.lang === 'ko'").ok());
  EXPECT_EQ(TextOf("label[for=login-username]"), "아이디");
  EXPECT_EQ(TextOf("#login-submit"), "로그인");
  Shot("login_korean");
  // Remembered across a reload (localStorage), not taken from the browser.
  ASSERT_TRUE(driver_->Navigate(Url("/#/login")).ok());
  ASSERT_TRUE(driver_->Execute("location.reload();").ok());
  ASSERT_TRUE(driver_->WaitUntil("document.querySelector('#login-submit') && "
                                 "document.querySelector('#login-submit').textContent === '로그인'")
                  .ok());
  EXPECT_EQ(Js("return document.documentElement.lang;"), "ko");
  // Every English key has a Korean text.
  EXPECT_EQ(Js("return Object.keys(DOKJA_DICT.en).filter(k => !(k in DOKJA_DICT.ko)).length;"), 0);
}

TEST_F(BrowserTest, AdminInvitesAndTheInviteeSignsUp) {
  server_->CreateAccount("agency", store::Role::kAdmin);
  SignIn("agency");
  ASSERT_TRUE(driver_->WaitFor("#invite-create").ok());
  SelectOption("#invite-role", "user");
  Click("#invite-submit");
  auto link = driver_->WaitFor("#invite-link");
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  auto url = driver_->Property(*link, "value");
  ASSERT_TRUE(url.ok());
  std::string invite = url->get<std::string>();
  ASSERT_NE(invite.find("/#/invite/"), std::string::npos) << invite;
  Shot("admin_invitation");
  Click("#logout");
  ASSERT_TRUE(driver_->WaitFor("#login-form").ok());

  ASSERT_TRUE(driver_->Navigate(invite).ok());
  Type("#invite-username", "newpanel");
  Type("#invite-display", "New <b>Panel</b>");
  Type("#invite-password", kPassword);
  Shot("invitation_form");
  Click("#invite-form button[type=submit]");
  ASSERT_TRUE(driver_->WaitUntil("location.hash === '#/arena'").ok());
  EXPECT_NE(TextOf("#whoami").find("New <b>Panel</b>"), std::string::npos);  // as text
  EXPECT_EQ(Js("return document.querySelectorAll('#whoami b').length;"), 0);
  // The link is spent.
  ASSERT_TRUE(driver_->Navigate(invite).ok());
  EXPECT_TRUE(driver_->WaitFor("#invite-invalid").ok());
}

TEST_F(BrowserTest, ContentSecurityPolicyBlocksInlineScript) {
  ASSERT_TRUE(driver_->Navigate(Url("/#/login")).ok());
  ASSERT_TRUE(driver_->WaitFor("#login-form").ok());
  ASSERT_TRUE(driver_->Execute("const s = document.createElement('script');"
                               "s.textContent = 'window.__inline = 1;';"
                               "document.head.appendChild(s);")
                  .ok());
  EXPECT_EQ(Js("return window.__inline === undefined;"), true);
  // The browser reports the blocked script (read here, so TearDown's check
  // for CSP violations stays meaningful for the other tests).
  auto log = driver_->BrowserLog();
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  bool reported = false;
  for (const std::string& line : *log) reported |= line.find("Content Security Policy") != std::string::npos;
  EXPECT_TRUE(reported);
}

TEST_F(BrowserTest, FitsAPhoneWithLargeTouchTargets) {
  server_->CreateAccount("phone", store::Role::kUser);
  ASSERT_TRUE(driver_->SetWindowSize(390, 844).ok());
  SignIn("phone");
  ASSERT_TRUE(driver_->WaitFor("#battle-form").ok());
  auto width = Js("return window.innerWidth;");
  EXPECT_LE(width.get<int>(), 500);
  // No sideways scrolling, and every visible control is >= 44 px high.
  EXPECT_EQ(Js("return document.documentElement.scrollWidth <= window.innerWidth;"), true);
  Json small = Js(
      "return Array.from(document.querySelectorAll('button, input:not([type=radio]), select, "
      "textarea, #nav a')).filter(e => e.offsetParent !== null)"
      ".filter(e => e.getBoundingClientRect().height < 44).map(e => e.id || e.textContent);");
  EXPECT_TRUE(small.empty()) << small.dump();
  Shot("phone_arena");
  ASSERT_TRUE(driver_->Navigate(Url("/#/leaderboard")).ok());
  ASSERT_TRUE(driver_->WaitFor("#leaderboard-body").ok());
  Shot("phone_leaderboard");
}

}  // namespace
}  // namespace dokja::web::testing
