using System.Net;
using Vsa.Edge.Agent.Setup;
using Vsa.Edge.CommandLine;

namespace Vsa.Edge.Agent.Tests.Setup;

public sealed class SetupArgumentsTests
{
    // A pole's cable interface with an IPv4 address, a global IPv6 one (routed from anywhere) and a link-local one.
    private static readonly BindableInterface Eth0 = new("eth0", true, "Up",
        [IPAddress.Parse("192.168.50.2"), IPAddress.Parse("2001:db8:12::2"), IPAddress.Parse("fe80::2")]);

    private static readonly BindableInterface Wwan = new("wwan0", false, "Down", [IPAddress.Parse("10.64.0.9")]);

    [Fact]
    public void ResolveBind_InterfaceName_ItsIPv4AddressesOnlyNeverItsGlobalIPv6()
    {
        var addresses = SetupArguments.ResolveBind("eth0", [Eth0, Wwan]);

        Assert.Equal([IPAddress.Parse("192.168.50.2")], addresses);
    }

    [Fact]
    public void ResolveBind_AnAddressAnInterfaceHolds_ThatAddressAlone()
    {
        Assert.Equal([IPAddress.Parse("2001:db8:12::2")], SetupArguments.ResolveBind("2001:db8:12::2", [Eth0, Wwan]));
        Assert.Equal([IPAddress.Parse("192.168.50.2")], SetupArguments.ResolveBind("192.168.50.2", [Eth0, Wwan]));
        Assert.Equal([IPAddress.Loopback], SetupArguments.ResolveBind("localhost", [Eth0]));
    }

    [Fact]
    public void ResolveBind_AddressNobodyHoldsInterfaceDownOrOnlyIPv6_RefusedNamingWhy()
    {
        Assert.Contains("no network interface holds the address 0.0.0.0", Assert.Throws<CliUsageException>(() => SetupArguments.ResolveBind("0.0.0.0", [Eth0])).Message, StringComparison.Ordinal);
        Assert.Contains("'wwan0' holding 10.64.0.9 is Down", Assert.Throws<CliUsageException>(() => SetupArguments.ResolveBind("10.64.0.9", [Eth0, Wwan])).Message, StringComparison.Ordinal);
        Assert.Contains("'wwan0' is Down", Assert.Throws<CliUsageException>(() => SetupArguments.ResolveBind("wwan0", [Wwan])).Message, StringComparison.Ordinal);
        var v6Only = new BindableInterface("eth1", true, "Up", [IPAddress.Parse("2001:db8::5")]);
        Assert.Contains("give the address itself", Assert.Throws<CliUsageException>(() => SetupArguments.ResolveBind("eth1", [v6Only])).Message, StringComparison.Ordinal);
    }
}
