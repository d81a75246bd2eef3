using System.Security.Cryptography;
using System.Text;

namespace Vsa.Edge.Agent.Setup;

/// <summary>The outcome of a sign-in attempt on the set-up page.</summary>
internal enum SignInResult
{
    /// <summary>The right code: a session starts and the code is spent.</summary>
    Accepted,

    /// <summary>A wrong code; tries remain.</summary>
    Wrong,

    /// <summary>Too many wrong codes: no sign-in is possible until the command restarts (a new code).</summary>
    LockedOut,

    /// <summary>The code was already used by a session: it is one-time.</summary>
    Spent,
}

/// <summary>
/// Who may use the set-up page: whoever types the one-time code printed on the pole's terminal. The code is spent by
/// its first use (one session, a random 256-bit token kept in an HttpOnly, Secure, SameSite=Strict cookie); after
/// <see cref="MaxFailures"/> wrong codes every sign-in is refused until the command restarts with a new code. The
/// session in use when the lock falls keeps working, so someone guessing cannot throw the installer out. Thread-safe.
/// </summary>
internal sealed class SetupAccess
{
    /// <summary>Wrong codes before the lock.</summary>
    public const int MaxFailures = 5;

    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "vsa_setup";

    private readonly Lock _lock = new();
    private readonly byte[] _code;
    private byte[]? _session;
    private int _failures;

    public SetupAccess(string code)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        Code = code;
        _code = Encoding.ASCII.GetBytes(Normalise(code));
    }

    /// <summary>The code to print on the terminal (never logged).</summary>
    public string Code { get; }

    /// <summary>Wrong codes so far.</summary>
    public int Failures
    {
        get
        {
            lock (_lock)
            {
                return _failures;
            }
        }
    }

    /// <summary>Wrong codes still allowed before the lock.</summary>
    public int TriesLeft => Math.Max(0, MaxFailures - Failures);

    /// <summary>A fresh code: 8 random digits shown as two groups of four (about 26.6 bits against 5 tries).</summary>
    public static SetupAccess CreateRandom()
    {
        var digits = new char[8];
        for (var i = 0; i < digits.Length; i++)
        {
            digits[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        }

        return new SetupAccess($"{new string(digits, 0, 4)}-{new string(digits, 4, 4)}");
    }

    /// <summary>Checks a typed code (spaces and dashes ignored); on <see cref="SignInResult.Accepted"/>, <paramref name="sessionToken"/> is the cookie value.</summary>
    public SignInResult TrySignIn(string? typed, out string? sessionToken)
    {
        sessionToken = null;
        var given = Encoding.ASCII.GetBytes(Normalise(typed ?? string.Empty));
        lock (_lock)
        {
            if (_failures >= MaxFailures)
            {
                return SignInResult.LockedOut;
            }

            if (!CryptographicOperations.FixedTimeEquals(given, _code))
            {
                _failures++;
                return _failures >= MaxFailures ? SignInResult.LockedOut : SignInResult.Wrong;
            }

            if (_session is not null)
            {
                return SignInResult.Spent;
            }

            _session = RandomNumberGenerator.GetBytes(32);
            sessionToken = Convert.ToBase64String(_session).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            return SignInResult.Accepted;
        }
    }

    /// <summary>Whether a cookie value is the session's token (constant-time).</summary>
    public bool IsSession(string? cookie)
    {
        if (string.IsNullOrEmpty(cookie) || cookie.Length > 64)
        {
            return false;
        }

        byte[] given;
        try
        {
            given = Convert.FromBase64String(cookie.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (cookie.Length % 4)) % 4));
        }
        catch (FormatException)
        {
            return false;
        }

        lock (_lock)
        {
            return _session is not null && CryptographicOperations.FixedTimeEquals(given, _session);
        }
    }

    private static string Normalise(string code)
    {
        var sb = new StringBuilder(code.Length);
        foreach (var c in code)
        {
            if (c is not (' ' or '-' or '\t'))
            {
                sb.Append(c);
            }
        }

        return sb.Length > 64 ? sb.ToString(0, 64) : sb.ToString();
    }
}
