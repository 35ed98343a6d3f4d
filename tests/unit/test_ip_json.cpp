// SPDX-License-Identifier: MIT
// Reading a remote host's `ip -j` output (harness/lent/ip_json): what iproute2 prints is read, and
// anything else is a RemoteError naming the command and the field, never another exception.
#include <gtest/gtest.h>

#include "ip_json.hpp"
#include "remote_shell.hpp"

namespace mvc {
namespace {

const char* kLink = R"([{"ifindex":7,"ifname":"eth1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,
  "master":"br0","address":"02:00:00:00:00:07","promiscuity":1,"linkinfo":{"info_kind":"veth"}}])";
const char* kAddresses = R"([{"ifindex":7,"ifname":"eth1","addr_info":[{"family":"inet","local":"198.51.100.1","prefixlen":24},
  {"family":"inet6","local":"fe80::1","prefixlen":64}]}])";
const char* kAllLinks = R"([{"ifindex":7,"ifname":"eth1"},{"ifindex":9,"ifname":"mv0","link":"eth1","linkinfo":{"info_kind":"macvlan"}},
  {"ifindex":10,"ifname":"veth9","link":"eth1","linkinfo":{"info_kind":"veth"}},{"ifindex":11,"ifname":"mv1","link":"eth1","link_netnsid":0}])";

TEST(RemoteIpJson, TheInterfaceIsReadFromIproute2sOutput) {
    const auto s = ip_json::interface_state("eth1", kLink, kAddresses, kAllLinks);
    EXPECT_EQ(s.ifindex, 7);
    EXPECT_EQ(s.mac.str(), "02:00:00:00:00:07");
    EXPECT_EQ(s.mtu, 1500u);
    EXPECT_TRUE(s.up);
    EXPECT_EQ(s.promiscuity, 1u);
    EXPECT_EQ(s.master, "br0");
    EXPECT_EQ(s.addresses, (std::vector<std::string>{"198.51.100.1/24", "fe80::1/64"}));
    // Not the veth peer, not a link in another namespace: only what is stacked on it here.
    EXPECT_EQ(s.uppers, (std::vector<std::string>{"mv0"}));
}

TEST(RemoteIpJson, FieldsOfTheWrongTypeAreRemoteErrorsNamingTheField) {
    auto message = [](const std::string& link) {
        try {
            (void)ip_json::interface_state("eth1", link, "[]", "[]");
        } catch (const RemoteError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message(R"([{"ifindex":"7"}])").find("\"ifindex\""), std::string::npos);
    EXPECT_NE(message(R"([{"mtu":-1}])").find("\"mtu\""), std::string::npos);
    EXPECT_NE(message(R"([{"mtu":1.5}])").find("\"mtu\""), std::string::npos);
    EXPECT_NE(message(R"([{"flags":"UP"}])").find("\"flags\""), std::string::npos);
    EXPECT_NE(message(R"([{"address":"0.0.0.0"}])").find("\"address\""), std::string::npos);
    EXPECT_NE(message(R"({"ifindex":7})").find("not a list"), std::string::npos);
    EXPECT_NE(message(R"([7])").find("not an object"), std::string::npos);
    EXPECT_NE(message("Welcome to lab2!\n[]").find("did not print JSON"), std::string::npos);
}

TEST(RemoteIpJson, RoutesWithDestinationsInWordsAreLeftOut) {
    const auto routes = ip_json::route_destinations(
        R"([{"dst":"default","dev":"eth1"},{"dst":"198.51.100.0/24"},{"type":"multicast","dst":"ff00::/8"},{"dst":"203.0.113.9"},{"dst":"unreachable"}])");
    ASSERT_EQ(routes.size(), 3u);
    EXPECT_EQ(routes[0].str(), "198.51.100.0/24");
    EXPECT_EQ(routes[1].str(), "ff00::/8");
    EXPECT_EQ(routes[2].str(), "203.0.113.9/32");
    EXPECT_THROW(ip_json::route_destinations(R"([{"dst":7}])"), RemoteError);
}

TEST(RemoteIpJson, DefaultRoutesDevicesAndCarrier) {
    EXPECT_TRUE(ip_json::has_route_through(R"([{"dst":"default","dev":"eth0"},{"dst":"default","dev":"eth1"}])", "eth1"));
    EXPECT_FALSE(ip_json::has_route_through(R"([{"dst":"default","dev":"eth0"}])", "eth1"));
    EXPECT_EQ(ip_json::route_device(R"([{"dst":"192.0.2.7","dev":"eth0"}])"), "eth0");
    EXPECT_EQ(ip_json::route_device("[]"), "");
    EXPECT_TRUE(ip_json::up_with_carrier(kLink));
    EXPECT_FALSE(ip_json::up_with_carrier(R"([{"flags":["UP","NO-CARRIER"]}])"));
    EXPECT_THROW(ip_json::up_with_carrier(R"([{"flags":[1,2]}, 3])"), RemoteError);
}

TEST(RemoteIpJson, AnAddressWithANulInsideIsNoAddress) {
    // JSON strings may hold "\u0000"; inet_pton would stop there and take the address before it.
    EXPECT_THROW(IpAddress::parse(std::string("192.0.2.1\0junk", 14)), std::invalid_argument);
    EXPECT_THROW(MacAddress::parse(std::string("02:00:00:00:00:07\0", 18)), std::invalid_argument);
    EXPECT_EQ(ip_json::route_destinations(R"([{"dst":"203.0.113.9\u0000x"}])").size(), 0u);
}

}  // namespace
}  // namespace mvc
