// check_file_permissions on real files, directories and symlinks with real modes. Tests may run as
// root: the mode checks apply to root too; only the owner checks depend on the uid.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "hotreload/layers.hpp"
#include "hotreload/permissions.hpp"
#include "support/temp_dir.hpp"

namespace hotreload {
namespace {

namespace fs = std::filesystem;

void set_mode(const std::string& path, mode_t mode) { ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path; }

// The error line, or "ok" so that a wrong success shows up in the failure message.
std::string check(const std::string& path, const FilePermissionPolicy& policy = {}) {
  auto checked = check_file_permissions(path, policy);
  if (checked) return "ok";
  EXPECT_EQ(checked.error().code, ErrorCode::io);
  EXPECT_EQ(checked.error().location.file, path);
  return checked.error().message;
}

// A TempDir whose modes do not depend on the umask the tests run under.
struct Fixture {
  testing::TempDir dir;
  std::string file;
  Fixture() {
    set_mode(dir.path().string(), 0755);
    file = dir.write("config.yaml", "a: 1\n");
    set_mode(file, 0644);
  }
};

TEST(Permissions, PrivateFileInPrivateDirectoryPasses) {
  Fixture f;
  EXPECT_EQ(check(f.file), "ok");
}

TEST(Permissions, WorldWritableFileIsRefused) {
  Fixture f;
  set_mode(f.file, 0666);
  EXPECT_EQ(check(f.file), "refusing to load " + f.file + ": writable by other users (mode 0666)");
}

TEST(Permissions, WorldWritableDirectoryWithoutStickyBitIsRefused) {
  Fixture f;
  set_mode(f.dir.path().string(), 0777);
  EXPECT_EQ(check(f.file), "refusing to load " + f.file + ": directory " + f.dir.path().string() +
                               " is writable by other users without the sticky bit (mode 0777)");
}

TEST(Permissions, StickyWorldWritableDirectoryPasses) {
  Fixture f;
  set_mode(f.dir.path().string(), 01777);  // like /tmp
  EXPECT_EQ(check(f.file), "ok");
}

TEST(Permissions, WritableAncestorDirectoryIsRefused) {
  Fixture f;
  std::string file = f.dir.write("app/conf/config.yaml", "a: 1\n");
  set_mode(file, 0644);
  set_mode(f.dir.file("app/conf"), 0755);
  set_mode(f.dir.file("app"), 0777);  // anyone could rename conf/ away and put their own there
  EXPECT_EQ(check(file), "refusing to load " + file + ": directory " + f.dir.file("app") +
                             " is writable by other users without the sticky bit (mode 0777)");
}

TEST(Permissions, GroupWritableFileIsRefusedUnlessAllowedByPolicy) {
  Fixture f;
  set_mode(f.file, 0664);
  EXPECT_EQ(check(f.file), "refusing to load " + f.file + ": writable by its group (mode 0664)");
  EXPECT_EQ(check(f.file, {.allow_group_writable = true}), "ok");
}

TEST(Permissions, GroupWritableDirectoryIsRefusedUnlessAllowedByPolicy) {
  Fixture f;
  set_mode(f.dir.path().string(), 0775);
  EXPECT_EQ(check(f.file), "refusing to load " + f.file + ": directory " + f.dir.path().string() +
                               " is writable by its group without the sticky bit (mode 0775)");
  EXPECT_EQ(check(f.file, {.allow_group_writable = true}), "ok");
}

// A group member replaces the config in a group-writable directory by a symlink to a file only
// root may read: the directory that holds the link is what makes the swap possible, so it is
// what the refusal names, and the target's content is never read.
TEST(Permissions, ASymlinkPlantedInAGroupWritableDirectoryIsRefused) {
  Fixture f;
  std::string secret = f.dir.write("private/shadow", "root:$6$hash:19000:0:99999:7:::\n");
  set_mode(secret, 0600);
  set_mode(f.dir.file("private"), 0700);
  std::string shared = f.dir.file("shared");
  fs::create_directory(shared);
  set_mode(shared, 0775);
  fs::create_symlink(secret, shared + "/config.yaml");
  EXPECT_EQ(check(shared + "/config.yaml"), "refusing to load " + shared + "/config.yaml: directory " + shared +
                                                " is writable by its group without the sticky bit (mode 0775)");

  LayerOptions options;
  options.files = {{shared + "/config.yaml"}};
  options.environment = Environment{};
  auto refused = load_layers(options);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error()[0].message.find("writable by its group"), std::string::npos);
  EXPECT_EQ(to_string(refused.error()).find("19000"), std::string::npos);
}

TEST(Permissions, OptingOutSkipsEveryCheck) {
  Fixture f;
  set_mode(f.file, 0666);
  set_mode(f.dir.path().string(), 0777);
  EXPECT_EQ(check(f.file, {.check = false}), "ok");
}

TEST(Permissions, OwnerIsCheckedWhenAsked) {
  Fixture f;
  EXPECT_EQ(check(f.file, {.required_owner = ::getuid()}), "ok");
  const uid_t other = ::getuid() + 1;
  EXPECT_EQ(check(f.file, {.required_owner = other}), "refusing to load " + f.file + ": owned by uid " +
                                                           std::to_string(::getuid()) + ", not uid " +
                                                           std::to_string(other));
}

TEST(Permissions, SymlinkIntoWorldWritableDirectoryIsRefused) {
  Fixture f;
  std::string real = f.dir.write("shared/real.yaml", "a: 1\n");
  set_mode(real, 0644);
  set_mode(f.dir.file("shared"), 0777);
  std::string link = f.dir.file("config.link.yaml");
  fs::create_symlink("shared/real.yaml", link);
  EXPECT_EQ(check(link), "refusing to load " + link + ": directory " + f.dir.file("shared") +
                             " is writable by other users without the sticky bit (mode 0777)");
}

TEST(Permissions, WorldWritableTargetOfASymlinkIsRefusedByItsRealName) {
  Fixture f;
  std::string link = f.dir.file("config.link.yaml");
  fs::create_symlink("config.yaml", link);
  set_mode(f.file, 0666);
  EXPECT_EQ(check(link), "refusing to load " + link + ": writable by other users (mode 0666) (" + f.file + ")");
}

TEST(Permissions, SymlinkLyingInWorldWritableDirectoryIsRefused) {
  Fixture f;
  std::string drop = f.dir.file("drop");
  fs::create_directory(drop);
  set_mode(drop, 0777);  // anyone could point the link elsewhere
  fs::create_symlink(f.file, drop + "/config.yaml");
  EXPECT_EQ(check(drop + "/config.yaml"), "refusing to load " + drop + "/config.yaml: directory " + drop +
                                              " is writable by other users without the sticky bit (mode 0777)");
}

// A Kubernetes ConfigMap volume: config.yaml -> ..data/config.yaml, ..data -> ..2024_05_01_12_00_00.1,
// directories 0755 and files 0644, all owned by the kubelet's user (here: whoever runs the test).
TEST(Permissions, KubernetesConfigMapLayoutPasses) {
  Fixture f;
  std::string volume = f.dir.file("volume");
  std::string version = volume + "/..2024_05_01_12_00_00.1";
  fs::create_directories(version);
  std::string real = f.dir.write("volume/..2024_05_01_12_00_00.1/config.yaml", "a: 1\n");
  set_mode(real, 0644);
  set_mode(version, 0755);
  set_mode(volume, 0755);
  fs::create_directory_symlink("..2024_05_01_12_00_00.1", volume + "/..data");
  fs::create_symlink("..data/config.yaml", volume + "/config.yaml");
  EXPECT_EQ(check(volume + "/config.yaml", {.allow_group_writable = false, .required_owner = ::getuid()}), "ok");

  set_mode(version, 0777);
  EXPECT_NE(check(volume + "/config.yaml").find("directory " + version + " is writable by other users"),
            std::string::npos);
}

TEST(Permissions, RelativePathWithDotDotIsResolved) {
  Fixture f;
  fs::create_directory(f.dir.file("sub"));
  set_mode(f.dir.file("sub"), 0755);
  const fs::path previous = fs::current_path();
  fs::current_path(f.dir.file("sub"));
  std::string ok = check("../config.yaml");
  set_mode(f.file, 0666);
  std::string refused = check("../config.yaml");
  fs::current_path(previous);
  EXPECT_EQ(ok, "ok");
  EXPECT_EQ(refused, "refusing to load ../config.yaml: writable by other users (mode 0666) (" + f.file + ")");
}

TEST(Permissions, MissingFileAndSymlinkLoopAreIoErrors) {
  Fixture f;
  EXPECT_NE(check(f.dir.file("absent.yaml")).find("cannot check permissions of " + f.dir.file("absent.yaml")),
            std::string::npos);
  fs::create_symlink("loop.yaml", f.dir.file("loop.yaml"));
  EXPECT_EQ(check(f.dir.file("loop.yaml")), "cannot check permissions: too many levels of symbolic links");
}

// load_layers checks every file before reading it; the refusal names the layer's own path.
TEST(Permissions, LoadLayersRefusesAWorldWritableLayerUnlessOptedOut) {
  Fixture f;
  set_mode(f.file, 0666);
  LayerOptions options;
  options.files = {{f.file}};
  options.environment = Environment{};
  auto refused = load_layers(options);
  ASSERT_FALSE(refused);
  ASSERT_EQ(refused.error().size(), 1u);
  EXPECT_EQ(refused.error()[0].location.file, f.file);
  EXPECT_NE(refused.error()[0].message.find("writable by other users"), std::string::npos);

  options.permissions.check = false;
  auto loaded = load_layers(options);
  ASSERT_TRUE(loaded) << to_string(loaded.error());
  EXPECT_EQ(loaded->root.find_dotted("a")->as_int(), 1);
}

}  // namespace
}  // namespace hotreload
