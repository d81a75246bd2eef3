using Vsa.Edge.Agent.Setup;

namespace Vsa.Edge.Agent.Tests.Setup;

public sealed class SetupAccessTests
{
    [Fact]
    public void TrySignIn_RightCode_AcceptedWithASessionOnlyThatTokenOpens()
    {
        var access = new SetupAccess("1234-5678");

        Assert.Equal(SignInResult.Accepted, access.TrySignIn("1234 5678", out var token));

        Assert.True(access.IsSession(token));
        Assert.False(access.IsSession((token![0] == 'A' ? 'B' : 'A') + token[1..]));
        Assert.False(access.IsSession(null));
        Assert.False(access.IsSession("not base64 at all!"));
    }

    [Fact]
    public void IsSession_SameBytesSpelledOtherwise_Refused()
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var access = new SetupAccess("1234-5678");
        Assert.Equal(SignInResult.Accepted, access.TrySignIn("1234-5678", out var token));

        // 32 bytes are 43 characters of base64: the last one's two low bits carry nothing, so flipping one of them spells the
        // same bytes.
        var other = token![..^1] + Alphabet[Alphabet.IndexOf(token[^1], StringComparison.Ordinal) ^ 1];

        Assert.Equal(Convert.FromBase64String(Padded(token)), Convert.FromBase64String(Padded(other)));
        Assert.False(access.IsSession(other));
        Assert.True(access.IsSession(token));
    }

    [Fact]
    public void TrySignIn_RightCodeTwice_SecondIsSpent()
    {
        var access = new SetupAccess("1234-5678");
        Assert.Equal(SignInResult.Accepted, access.TrySignIn("12345678", out var first));

        Assert.Equal(SignInResult.Spent, access.TrySignIn("1234-5678", out var second));

        Assert.Null(second);
        Assert.True(access.IsSession(first));
    }

    [Fact]
    public void TrySignIn_WrongCodes_CountDownThenLockEvenTheRightCode()
    {
        var access = new SetupAccess("1234-5678");
        for (var i = 1; i < SetupAccess.MaxFailures; i++)
        {
            Assert.Equal(SignInResult.Wrong, access.TrySignIn("0000-0000", out _));
            Assert.Equal(SetupAccess.MaxFailures - i, access.TriesLeft);
        }

        Assert.Equal(SignInResult.LockedOut, access.TrySignIn("9999-9999", out _));

        Assert.Equal(SignInResult.LockedOut, access.TrySignIn("1234-5678", out var token));
        Assert.Null(token);
        Assert.Equal(0, access.TriesLeft);
    }

    [Fact]
    public void TrySignIn_LockAfterSignIn_InstallersSessionKeepsWorking()
    {
        var access = new SetupAccess("1234-5678");
        Assert.Equal(SignInResult.Accepted, access.TrySignIn("1234-5678", out var token));

        for (var i = 0; i < SetupAccess.MaxFailures; i++)
        {
            access.TrySignIn(string.Empty, out _);
        }

        Assert.Equal(SignInResult.LockedOut, access.TrySignIn("1234-5678", out _));
        Assert.True(access.IsSession(token));
    }

    [Fact]
    public void Renew_AfterTheLock_LockedRaisedOnceNewCodeOpensOldCodeDoesNotFirstSessionKept()
    {
        var access = new SetupAccess("1234-5678");
        Assert.Equal(SignInResult.Accepted, access.TrySignIn("1234-5678", out var installer));
        var locks = 0;
        access.Locked += (_, _) => locks++;
        for (var i = 0; i < SetupAccess.MaxFailures + 2; i++)
        {
            access.TrySignIn("0000-0000", out _);
        }

        access.Renew("8765-4321");

        Assert.Equal(1, locks);
        Assert.Equal("8765-4321", access.Code);
        Assert.Equal(SetupAccess.MaxFailures, access.TriesLeft);
        Assert.Equal(SignInResult.Wrong, access.TrySignIn("1234-5678", out _));
        Assert.Equal(SignInResult.Accepted, access.TrySignIn("8765 4321", out var colleague));
        Assert.Equal(SignInResult.Spent, access.TrySignIn("8765-4321", out _));
        Assert.True(access.IsSession(installer));
        Assert.True(access.IsSession(colleague));
    }

    [Fact]
    public void CreateRandom_Codes_EightDigitsInTwoGroupsAndDifferent()
    {
        var codes = Enumerable.Range(0, 20).Select(_ => SetupAccess.CreateRandom().Code).ToList();

        Assert.All(codes, c => Assert.Matches("^[0-9]{4}-[0-9]{4}$", c));
        Assert.True(codes.Distinct().Count() > 15);
    }

    private static string Padded(string token) => token.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (token.Length % 4)) % 4);
}
