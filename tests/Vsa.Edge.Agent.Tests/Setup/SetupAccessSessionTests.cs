using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Setup;

namespace Vsa.Edge.Agent.Tests.Setup;

/// <summary>The set-up page's sessions are bounded in number, in idle time and in lifetime.</summary>
public sealed class SetupAccessSessionTests
{
    [Fact]
    public void TrySignIn_MoreThanMaxSessions_EvictsTheOneIdleTheLongest()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        var access = new SetupAccess("0000-0000", time);
        var evictions = 0;
        access.SessionEvicted += (_, _) => evictions++;
        var tokens = new List<string>();
        for (var i = 0; i < SetupAccess.MaxSessions; i++)
        {
            tokens.Add(SignInWithNewCode(access, i));
            time.Advance(TimeSpan.FromMinutes(1));
        }

        // The first session is the oldest but was used last: the second is the one idle the longest.
        Assert.True(access.IsSession(tokens[0]));
        var newest = SignInWithNewCode(access, 99);

        Assert.Equal(1, evictions);
        Assert.Equal(SetupAccess.MaxSessions, access.SessionCount);
        Assert.True(access.IsSession(newest));
        Assert.True(access.IsSession(tokens[0]));
        Assert.False(access.IsSession(tokens[1]));
        Assert.All(tokens.Skip(2), t => Assert.True(access.IsSession(t)));
    }

    [Fact]
    public void IsSession_IdleForTheTimeout_EndsWhileAUsedOneLives()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        var access = new SetupAccess("0000-0000", time);
        var used = SignInWithNewCode(access, 1);
        var idle = SignInWithNewCode(access, 2);

        time.Advance(SetupAccess.IdleTimeout - TimeSpan.FromSeconds(1));
        Assert.True(access.IsSession(used));
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(access.IsSession(idle));
        Assert.True(access.IsSession(used));
        Assert.Equal(1, access.SessionCount);
    }

    [Fact]
    public void IsSession_UsedWithoutPauseForTheLifetime_Ends()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        var access = new SetupAccess("0000-0000", time);
        var token = SignInWithNewCode(access, 1);
        var step = TimeSpan.FromMinutes(10);
        for (var elapsed = step; elapsed < SetupAccess.Lifetime; elapsed += step)
        {
            time.Advance(step);
            Assert.True(access.IsSession(token), $"still live after {elapsed}");
        }

        time.Advance(step);

        Assert.False(access.IsSession(token));
        Assert.Equal(0, access.SessionCount);
        // The ended session's code stays spent: only a new code from the terminal opens the page again.
        Assert.Equal(SignInResult.Spent, access.TrySignIn("0000-0001", out _));
    }

    private static string SignInWithNewCode(SetupAccess access, int n)
    {
        var code = $"0000-{n:0000}";
        access.Renew(code);
        Assert.Equal(SignInResult.Accepted, access.TrySignIn(code, out var token));
        return token!;
    }
}
