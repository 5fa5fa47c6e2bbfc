// Files from one Kubernetes volume are read from one version of it.
#include <gtest/gtest.h>

#include "hotreload/layers.hpp"
#include "support/projected_volume.hpp"
#include "support/temp_dir.hpp"

namespace hotreload::projected_volume_test {

LayerOptions layers(const testing::ProjectedVolume& volume) {
  LayerOptions options;
  options.files = {{volume.file("config.yaml")}, {volume.file("flags.yaml")}};
  options.environment = Environment{};
  return options;
}

testing::ProjectedVolume::Files version(int n) {
  return {{"config.yaml", "config_version: " + std::to_string(n) + "\n"},
          {"flags.yaml", "flags_version: " + std::to_string(n) + "\n"}};
}

TEST(ProjectedVolume, LoadsEveryFileFromTheCurrentVersion) {
  testing::TempDir dir;
  testing::ProjectedVolume volume(dir.path(), version(1));
  auto first = load_layers(layers(volume));
  ASSERT_TRUE(first.has_value()) << to_string(first.error());
  EXPECT_EQ(first->root.find_dotted("config_version")->as_int(), 1);
  EXPECT_EQ(first->root.find_dotted("flags_version")->as_int(), 1);

  volume.update(version(2));
  auto second = load_layers(layers(volume));
  ASSERT_TRUE(second.has_value()) << to_string(second.error());
  EXPECT_EQ(second->root.find_dotted("config_version")->as_int(), 2);
  EXPECT_EQ(second->root.find_dotted("flags_version")->as_int(), 2);
  EXPECT_EQ(second->sources.at(0).name, volume.file("config.yaml")) << "named by the visible path";
}

TEST(ProjectedVolume, ErrorsNameTheVisiblePath) {
  testing::TempDir dir;
  testing::ProjectedVolume volume(dir.path(), version(1));
  volume.update({{"config.yaml", "config_version: [1\n"}, {"flags.yaml", "flags_version: 2\n"}});
  auto loaded = load_layers(layers(volume));
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().at(0).location.file, volume.file("config.yaml"));
}

TEST(ProjectedVolume, AKeyRemovedFromTheVolumeIsAMissingOptionalLayer) {
  testing::TempDir dir;
  testing::ProjectedVolume volume(dir.path(), version(1));
  volume.update({{"config.yaml", "config_version: 2\n"}});  // flags.yaml's link now dangles
  LayerOptions options = layers(volume);
  options.files[1].optional = true;
  auto loaded = load_layers(options);
  ASSERT_TRUE(loaded.has_value()) << to_string(loaded.error());
  EXPECT_EQ(loaded->root.find_dotted("flags_version"), nullptr);
}

}  // namespace hotreload::projected_volume_test
