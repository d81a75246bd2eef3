using System.Net;
using Vsa.Edge.Agent.Setup;

namespace Vsa.Edge.Agent.Tests.Setup;

/// <summary>Wrong set-up codes counted per client, with a cap for all clients together.</summary>
public sealed class SetupFailuresTests
{
    private static readonly IPAddress Neighbour = IPAddress.Parse("192.0.2.7");
    private static readonly IPAddress Installer = IPAddress.Parse("192.0.2.20");

    [Fact]
    public void TrySignIn_OneClientGuessesFiveTimes_OnlyThatClientIsLockedTheInstallerSignsIn()
    {
        var access = new SetupAccess("1234-5678");
        var locked = new List<string?>();
        access.Locked += (_, e) => locked.Add(e.Client);
        for (var i = 1; i < SetupAccess.MaxFailures; i++)
        {
            Assert.Equal(SignInResult.Wrong, access.TrySignIn("0000-0000", Neighbour, out _));
        }

        Assert.Equal(SignInResult.LockedOut, access.TrySignIn("0000-0001", Neighbour, out _));

        Assert.Equal(SignInResult.LockedOut, access.TrySignIn("1234-5678", Neighbour, out var refused));
        Assert.Null(refused);
        Assert.Equal((0, SetupAccess.MaxFailures), (access.TriesLeftFor(Neighbour), access.TriesLeftFor(Installer)));
        Assert.Equal(SignInResult.Accepted, access.TrySignIn("1234-5678", Installer, out var token));
        Assert.True(access.IsSession(token));
        Assert.Equal(["192.0.2.7"], locked);
    }

    [Fact]
    public void TrySignIn_ManyClientsReachTheCapTogether_PageLockedForEveryoneUntilANewCode()
    {
        var access = new SetupAccess("1234-5678");
        var locked = new List<string?>();
        access.Locked += (_, e) => locked.Add(e.Client);
        for (var i = 0; i < SetupAccess.MaxFailuresPerCode; i++)
        {
            access.TrySignIn("0000-0000", IPAddress.Parse($"198.51.100.{1 + (i / (SetupAccess.MaxFailures - 1))}"), out _);
        }

        Assert.Equal(SignInResult.LockedOut, access.TrySignIn("1234-5678", Installer, out _));
        Assert.Equal(0, access.TriesLeftFor(Installer));
        Assert.Null(locked[^1]);

        // Enter on the pole's terminal: a new code, every count forgotten.
        access.Renew("8765-4321");
        Assert.Equal(SignInResult.Accepted, access.TrySignIn("8765 4321", Installer, out _));
    }

    [Fact]
    public void ClientOf_Ipv6NeighboursOfOneLan_DistinctClientsAndMappedIpv4IsTheIpv4Address()
    {
        // The installer's laptop and a neighbour on the pole's LAN share the link-local /64 and the LAN's prefix: each counts alone.
        Assert.NotEqual(SetupFailures.ClientOf(IPAddress.Parse("fe80::1:2:3:4")), SetupFailures.ClientOf(IPAddress.Parse("fe80::a:b:c:d")));
        Assert.NotEqual(SetupFailures.ClientOf(IPAddress.Parse("2001:db8:12:3:a::1")), SetupFailures.ClientOf(IPAddress.Parse("2001:db8:12:3:ffff:1:2:3")));
        Assert.Equal(SetupFailures.ClientOf(IPAddress.Parse("2001:db8:12:3::1")), SetupFailures.ClientOf(IPAddress.Parse("2001:db8:12:3:0::1")));
        Assert.Equal("192.0.2.7", SetupFailures.ClientOf(IPAddress.Parse("::ffff:192.0.2.7")));
        Assert.Equal("unknown", SetupFailures.ClientOf(null));
    }

    [Fact]
    public void Count_MoreClientsThanTheTableHolds_TableStaysBoundedTotalCountsThemAll()
    {
        var failures = new SetupFailures();
        for (var i = 0; i < SetupFailures.MaxClients + 50; i++)
        {
            failures.Count($"client-{i}");
        }

        Assert.Equal(SetupFailures.MaxClients + 50, failures.Total);
        Assert.Equal(1, failures.Of("client-0"));
        Assert.Equal(0, failures.Of($"client-{SetupFailures.MaxClients}"));
        Assert.True(failures.PageLocked);
    }
}
