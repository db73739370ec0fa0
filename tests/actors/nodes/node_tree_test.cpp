#include "actors/nodes/node_tree.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace bistro;

namespace {

// prefix + i, built with += (GCC 12 warns falsely on "literal" + string).
std::string numbered(std::string prefix, int i) {
  prefix += std::to_string(i);
  return prefix;
}

}  // namespace

TEST_CASE("A new tree holds only the instance node on level 0") {
  node_tree_builder b("inst", 4);
  auto tree = b.build();
  REQUIRE(tree->size() == 1);
  CHECK(tree->name(0) == "inst");
  CHECK(tree->level(0) == 0);
  CHECK(tree->parent(0) == no_node);
  CHECK(tree->enabled(0));
  CHECK(tree->num_levels() == 4);
  CHECK(tree->find("inst") == node_id{0});
}

TEST_CASE("Added nodes keep their name, level, parent and enabled flag") {
  node_tree_builder b("inst", 4);
  const node_id host = b.add("host1", 1, 0);
  const node_id db = b.add("db1", 2, host, false);
  auto tree = b.build();
  REQUIRE(tree->size() == 3);
  CHECK(tree->name(host) == "host1");
  CHECK(tree->level(host) == 1);
  CHECK(tree->parent(host) == 0);
  CHECK(tree->enabled(host));
  CHECK(tree->name(db) == "db1");
  CHECK(tree->level(db) == 2);
  CHECK(tree->parent(db) == host);
  CHECK_FALSE(tree->enabled(db));
}

TEST_CASE("find returns the node with that name or nothing") {
  node_tree_builder b("inst", 3);
  for (int i = 0; i < 1000; ++i) b.add(numbered("n", i), 1, 0);
  CHECK(b.find("n500") == node_id{501});
  auto tree = b.build();
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(tree->find(numbered("n", i)) == node_id(i + 1));
  }
  CHECK_FALSE(tree->find("n1000").has_value());
  CHECK_FALSE(tree->find("").has_value());
  CHECK_FALSE(tree->find("n").has_value());
}

TEST_CASE("A name added twice is a replica with its own parent") {
  node_tree_builder b("inst", 4);
  const node_id h1 = b.add("h1", 1, 0);
  const node_id h2 = b.add("h2", 1, 0);
  const node_id first = b.add("shard", 2, h1);
  const node_id replica = b.add("shard", 2, h2, false);
  auto tree = b.build();
  CHECK(tree->size() == 5);
  CHECK(replica != first);
  CHECK(tree->parent(first) == h1);
  CHECK(tree->parent(replica) == h2);
  CHECK(tree->canonical(replica) == first);
  CHECK(tree->canonical(first) == first);
  CHECK(tree->canonical(h2) == h2);
  CHECK(tree->find("shard") == first);
  CHECK(tree->enabled(first));
  CHECK_FALSE(tree->enabled(replica));
  CHECK(tree->nodes_at_level(2).size() == 2);
}

TEST_CASE("nodes_at_level lists each level's entries in insertion order") {
  node_tree_builder b("inst", 4);
  const node_id a = b.add("a", 1, 0);
  const node_id a1 = b.add("a1", 2, a);
  const node_id c = b.add("c", 1, 0);
  const node_id c1 = b.add("c1", 2, c);
  const node_id a2 = b.add("a2", 2, a);
  CHECK(b.nodes_at_level(2) == std::vector<node_id>{a1, c1, a2});
  auto tree = b.build();
  auto level0 = tree->nodes_at_level(0);
  auto level1 = tree->nodes_at_level(1);
  auto level2 = tree->nodes_at_level(2);
  auto level3 = tree->nodes_at_level(3);
  CHECK(std::vector<node_id>(level0.begin(), level0.end()) ==
        std::vector<node_id>{0});
  CHECK(std::vector<node_id>(level1.begin(), level1.end()) ==
        std::vector<node_id>{a, c});
  CHECK(std::vector<node_id>(level2.begin(), level2.end()) ==
        std::vector<node_id>{a1, c1, a2});
  CHECK(level3.empty());
}

TEST_CASE("Tags are kept per node and shared names are interned") {
  node_tree_builder b("inst", 3);
  const node_id x = b.add("x", 1, 0, true, {"daily", "big"});
  const node_id y = b.add("y", 1, 0, true, {"big"});
  const node_id z = b.add("z", 1, 0);
  auto tree = b.build();
  CHECK(tree->tags(x) == std::vector<std::string_view>{"daily", "big"});
  CHECK(tree->tags(y) == std::vector<std::string_view>{"big"});
  CHECK(tree->tags(z).empty());
  CHECK(tree->has_tag(x, "daily"));
  CHECK(tree->has_tag(y, "big"));
  CHECK_FALSE(tree->has_tag(y, "daily"));
  CHECK_FALSE(tree->has_tag(z, "big"));
}

TEST_CASE("After build the builder starts over from the instance node") {
  node_tree_builder b("inst", 3);
  b.add("x", 1, 0);
  auto first = b.build();
  CHECK(first->size() == 2);
  CHECK(b.nodes_at_level(1).empty());
  CHECK_FALSE(b.find("x").has_value());
  const node_id y = b.add("y", 1, 0);
  auto second = b.build();
  CHECK(second->size() == 2);
  CHECK(second->name(0) == "inst");
  CHECK(second->find("y") == y);
  CHECK_FALSE(second->find("x").has_value());
  CHECK(first->find("x").has_value());
}

TEST_CASE("A tree of 200,000 short names costs under 100 bytes a node") {
  node_tree_builder b("inst", 4);
  for (int h = 0; h < 8000; ++h) {
    const node_id host = b.add(numbered("host", h), 1, 0);
    for (int d = 0; d < 24; ++d) {
      b.add(numbered(numbered("host", h) + ".db", d), 2, host);
    }
  }
  auto tree = b.build();
  REQUIRE(tree->size() == 1 + 8000 * 25);
  const double per_node =
      static_cast<double>(tree->memory_bytes()) / tree->size();
  CHECK(per_node < 100.0);
  CHECK(per_node > 20.0);  // names alone are ~14 bytes: the sum is counted
  CHECK(tree->find("host7999.db23").has_value());
}
