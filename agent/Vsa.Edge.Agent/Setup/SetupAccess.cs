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

    /// <summary>Too many wrong codes: no sign-in is possible until a new code (Enter on the pole's terminal, or a restart).</summary>
    LockedOut,

    /// <summary>The code was already used by a session: it is one-time.</summary>
    Spent,
}

/// <summary>
/// Who may use the set-up page: whoever types the one-time code printed on the pole's terminal. The code is spent by
/// its first use (one session, a random 256-bit token kept in an HttpOnly, Secure, SameSite=Strict cookie); after
/// <see cref="MaxFailures"/> wrong codes every sign-in is refused until a new code is issued (<see cref="Renew(string)"/>:
/// the installer presses Enter on the pole's terminal, which only someone at the pole or on its SSH session can do, or
/// restarts the command). The session in use when the lock falls keeps working, so someone guessing cannot throw the
/// installer out. Sessions are bounded: at most <see cref="MaxSessions"/> live at once (a new one evicts the one idle the
/// longest), each ends after <see cref="IdleTimeout"/> without a request and <see cref="Lifetime"/> after it opened,
/// whatever its use; an ended session needs a new code from the pole's terminal. Thread-safe.
/// </summary>
internal sealed class SetupAccess
{
    /// <summary>Wrong codes before the lock.</summary>
    public const int MaxFailures = 5;

    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "vsa_setup";

    /// <summary>Sessions live at once (each opened by its own code from the terminal); a new one evicts the one idle the longest.</summary>
    public const int MaxSessions = 4;

    /// <summary>A session without a request for this long is over (the live view polls every few seconds while the page is open).</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);

    /// <summary>A session is over this long after it opened, in use or not (a working day on the pole).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private byte[] _code = [];
    private string _shown = string.Empty;
    private readonly List<Session> _sessions = [];
    private bool _spent;
    private int _failures;

    public SetupAccess(string code)
        : this(code, TimeProvider.System)
    {
    }

    public SetupAccess(string code, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        Renew(code);
    }

    /// <summary>Raised once each time the page locks (the <see cref="MaxFailures"/>th wrong code): the terminal says how to unlock.</summary>
    public event EventHandler? Locked;

    /// <summary>The code to print on the terminal (never logged).</summary>
    public string Code
    {
        get
        {
            lock (_lock)
            {
                return _shown;
            }
        }
    }

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

    /// <summary>Sessions live now (expired ones no longer count).</summary>
    public int SessionCount
    {
        get
        {
            lock (_lock)
            {
                Prune(_time.GetTimestamp());
                return _sessions.Count;
            }
        }
    }

    /// <summary>Raised when a new session evicts the one idle the longest (<see cref="MaxSessions"/> reached): the terminal and the log say so.</summary>
    public event EventHandler? SessionEvicted;

    /// <summary>A fresh code: 8 random digits shown as two groups of four (about 26.6 bits against 5 tries).</summary>
    public static SetupAccess CreateRandom() => new(RandomCode());

    /// <summary>A fresh code, sessions timed by <paramref name="time"/>.</summary>
    public static SetupAccess CreateRandom(TimeProvider time) => new(RandomCode(), time);

    /// <summary>8 random digits as two groups of four.</summary>
    public static string RandomCode()
    {
        var digits = new char[8];
        for (var i = 0; i < digits.Length; i++)
        {
            digits[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
        }

        return $"{new string(digits, 0, 4)}-{new string(digits, 4, 4)}";
    }

    /// <summary>
    /// Replaces the code (the old one no longer opens anything) and lifts the lock: the wrong codes are forgotten. A session
    /// already open keeps working beside the one the new code opens (each was opened with a code read on the pole).
    /// </summary>
    public void Renew(string code)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        lock (_lock)
        {
            _shown = code;
            _code = Encoding.ASCII.GetBytes(Normalise(code));
            _failures = 0;
            _spent = false;
        }
    }

    /// <summary>Checks a typed code (spaces and dashes ignored); on <see cref="SignInResult.Accepted"/>, <paramref name="sessionToken"/> is the cookie value.</summary>
    public SignInResult TrySignIn(string? typed, out string? sessionToken)
    {
        sessionToken = null;
        var given = Encoding.ASCII.GetBytes(Normalise(typed ?? string.Empty));
        SignInResult result;
        var evicted = false;
        lock (_lock)
        {
            if (_failures >= MaxFailures)
            {
                return SignInResult.LockedOut;
            }

            if (!CryptographicOperations.FixedTimeEquals(given, _code))
            {
                _failures++;
                result = _failures >= MaxFailures ? SignInResult.LockedOut : SignInResult.Wrong;
            }
            else if (_spent)
            {
                return SignInResult.Spent;
            }
            else
            {
                _spent = true;
                evicted = OpenSession(out sessionToken);
                result = SignInResult.Accepted;
            }
        }

        if (result == SignInResult.LockedOut)
        {
            Locked?.Invoke(this, EventArgs.Empty);
        }
        else if (evicted)
        {
            SessionEvicted?.Invoke(this, EventArgs.Empty);
        }

        return result;
    }

    /// <summary>Opens a session (under the lock); true when it evicted the one idle the longest.</summary>
    private bool OpenSession(out string token)
    {
        var now = _time.GetTimestamp();
        Prune(now);
        var evicted = false;
        if (_sessions.Count >= MaxSessions)
        {
            _sessions.Remove(_sessions.MinBy(s => s.LastSeen)!);
            evicted = true;
        }

        var bytes = RandomNumberGenerator.GetBytes(32);
        _sessions.Add(new Session(bytes, now) { LastSeen = now });
        token = Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return evicted;
    }

    /// <summary>Whether a cookie value is a live session's token (constant-time); a match counts as the session's latest use.</summary>
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
            var now = _time.GetTimestamp();
            Prune(now);
            var session = _sessions.Find(s => CryptographicOperations.FixedTimeEquals(given, s.Token));
            if (session is null)
            {
                return false;
            }

            session.LastSeen = now;
            return true;
        }
    }

    // Monotonic timestamps, not the wall clock: an NTP step during set-up (a pole without a battery-backed clock) neither
    // ends every session at once nor keeps one alive past its limits.
    private void Prune(long now) =>
        _sessions.RemoveAll(s => _time.GetElapsedTime(s.LastSeen, now) >= IdleTimeout || _time.GetElapsedTime(s.Opened, now) >= Lifetime);

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

    private sealed class Session(byte[] token, long opened)
    {
        public byte[] Token { get; } = token;

        public long Opened { get; } = opened;

        public long LastSeen { get; set; }
    }
}
