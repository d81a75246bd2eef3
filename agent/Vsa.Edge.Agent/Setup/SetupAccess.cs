using System.Net;
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

    /// <summary>
    /// Too many wrong codes from this client (or from everyone together): no sign-in from it until a new code (Enter on the
    /// pole's terminal, or a restart).
    /// </summary>
    LockedOut,

    /// <summary>The code was already used by a session: it is one-time.</summary>
    Spent,
}

/// <summary>
/// Who may use the set-up page: whoever types the one-time code printed on the pole's terminal. The code is spent by
/// its first use (one session, a random 256-bit token kept in an HttpOnly, Secure, SameSite=Strict cookie); after
/// <see cref="MaxFailures"/> wrong codes from one client (<see cref="SetupFailures"/>: an address) that client's
/// sign-ins are refused, and after <see cref="MaxFailuresPerCode"/> from all clients together everyone's, until a new code
/// is issued (<see cref="Renew(string)"/>: the installer presses Enter on the pole's terminal, which only someone at the
/// pole or on its SSH session can do, or restarts the command). So someone on the pole's LAN cannot lock each new code
/// before the installer types it, and many addresses guessing together still get few tries per code. The session in use when the lock falls keeps working, so someone guessing cannot throw the
/// installer out. Sessions are bounded: at most <see cref="MaxSessions"/> live at once (a new one evicts the one idle the
/// longest), each ends after <see cref="IdleTimeout"/> without a request and <see cref="Lifetime"/> after it opened,
/// whatever its use; an ended session needs a new code from the pole's terminal. Thread-safe.
/// </summary>
internal sealed class SetupAccess
{
    /// <summary>Wrong codes from one client before that client is locked out.</summary>
    public const int MaxFailures = 5;

    /// <summary>Wrong codes from all clients together before everyone is locked out (8 digits: 20 tries in 10⁸).</summary>
    public const int MaxFailuresPerCode = 20;

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
    private readonly SetupFailures _failures = new();
    private bool _spent;

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

    /// <summary>
    /// Raised once each time a client locks (its <see cref="MaxFailures"/>th wrong code) or the page locks for everyone (the
    /// <see cref="MaxFailuresPerCode"/>th): the terminal says who and how to unlock.
    /// </summary>
    public event EventHandler<SetupLockedEventArgs>? Locked;

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

    /// <summary>Wrong codes so far from every client.</summary>
    public int Failures
    {
        get
        {
            lock (_lock)
            {
                return _failures.Total;
            }
        }
    }

    /// <summary>Wrong codes still allowed before the lock, for a request without an address.</summary>
    public int TriesLeft => TriesLeftFor(null);

    /// <summary>Wrong codes still allowed from <paramref name="client"/> before it is locked out.</summary>
    public int TriesLeftFor(IPAddress? client)
    {
        lock (_lock)
        {
            return _failures.TriesLeft(SetupFailures.ClientOf(client));
        }
    }

    /// <summary>Wrong codes so far from <paramref name="client"/>.</summary>
    public int FailuresOf(IPAddress? client)
    {
        lock (_lock)
        {
            return _failures.Of(SetupFailures.ClientOf(client));
        }
    }

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
            _failures.Clear();
            _spent = false;
        }
    }

    /// <summary>Checks a typed code from a request without an address (see <see cref="TrySignIn(string?, IPAddress?, out string?)"/>).</summary>
    public SignInResult TrySignIn(string? typed, out string? sessionToken) => TrySignIn(typed, null, out sessionToken);

    /// <summary>
    /// Checks a code typed from <paramref name="client"/> (spaces and dashes ignored); on <see cref="SignInResult.Accepted"/>,
    /// <paramref name="sessionToken"/> is the cookie value.
    /// </summary>
    public SignInResult TrySignIn(string? typed, IPAddress? client, out string? sessionToken)
    {
        sessionToken = null;
        var given = Encoding.ASCII.GetBytes(Normalise(typed ?? string.Empty));
        var who = SetupFailures.ClientOf(client);
        SignInResult result;
        SetupLockedEventArgs? locked = null;
        var evicted = false;
        lock (_lock)
        {
            if (_failures.IsLocked(who))
            {
                return SignInResult.LockedOut;
            }

            if (!CryptographicOperations.FixedTimeEquals(given, _code))
            {
                _failures.Count(who);
                locked = _failures.PageLocked ? new SetupLockedEventArgs(null) : _failures.IsLocked(who) ? new SetupLockedEventArgs(who) : null;
                result = locked is null ? SignInResult.Wrong : SignInResult.LockedOut;
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

        if (locked is not null)
        {
            Locked?.Invoke(this, locked);
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
        token = Encode(bytes);
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

        // Only the spelling the page was given: base64 leaves the last character's two low bits unused, so four cookies
        // decoded to the same token (the spelling is public, compared outside the constant-time part).
        if (given.Length != 32 || !string.Equals(Encode(given), cookie, StringComparison.Ordinal))
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

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

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
