using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>A lockout that a failure just started, to be audited once.</summary>
/// <param name="Scope"><c>account</c> or <c>address</c>.</param>
/// <param name="Key">The account name as typed, or the client address.</param>
/// <param name="Until">When it ends.</param>
public sealed record Lockout(string Scope, string Key, DateTimeOffset Until);

/// <summary>
/// Per-account and per-address lockout after repeated sign-in failures, in memory (one fleet-manager instance; a restart
/// forgets the counts, which only gives an attacker a new window of <see cref="AccountsOptions.LockoutThreshold"/> tries), and
/// the bound on concurrent password hashing. Account names are keyed as typed (case-insensitive), existing or not, so a
/// lockout answers the same for unknown names and does not tell which exist.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    /// <summary>Most names or addresses tracked at once; beyond it, entries whose window ended are forgotten first.</summary>
    public const int MaxTracked = 10_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Failures> _accounts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Failures> _addresses = new(StringComparer.Ordinal);
    private readonly AccountsOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ConcurrencyLimiter _hashes;
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private long _hashesStarted;

    /// <summary>Creates the throttle from <c>Fleet:Accounts</c>.</summary>
    public LoginThrottle(IOptions<AccountsOptions> options, TimeProvider timeProvider)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _hashes = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.HashConcurrency,
            QueueLimit = _options.HashQueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Password hashes started for sign-ins since the start (a figure for tests and diagnosis).</summary>
    public long HashesStarted => Interlocked.Read(ref _hashesStarted);

    /// <summary>How long <paramref name="name"/> or <paramref name="address"/> stays locked out, or null when neither is.</summary>
    public TimeSpan? RetryAfter(string name, string address)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_lock)
        {
            var until = Max(LockedUntil(_accounts, name, now), LockedUntil(_addresses, address, now));
            return until is { } u ? u - now : null;
        }
    }

    /// <summary>Counts a failure; returns the lockouts it started (zero, one or two).</summary>
    public IReadOnlyList<Lockout> RecordFailure(string name, string address)
    {
        var now = _timeProvider.GetUtcNow();
        var started = new List<Lockout>(2);
        lock (_lock)
        {
            Count(_accounts, "account", name, _options.LockoutThreshold, now, started);
            Count(_addresses, "address", address, _options.AddressLockoutThreshold, now, started);
        }

        return started;
    }

    /// <summary>A successful sign-in forgets the account's failures (not the address's: one good password does not clear a spray).</summary>
    public void RecordSuccess(string name)
    {
        lock (_lock)
        {
            _accounts.Remove(name);
        }
    }

    /// <summary>
    /// Waits for a hashing slot; null when the queue is full or <paramref name="address"/> already has
    /// <see cref="AccountsOptions.HashPerAddress"/> sign-ins hashing or waiting (answer 429 at once). Dispose the lease when
    /// the hash is done.
    /// </summary>
    public async Task<IDisposable?> AcquireHashAsync(string address, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var inFlight = _inFlight.GetValueOrDefault(address);
            if (inFlight >= _options.HashPerAddress)
            {
                return null;
            }

            _inFlight[address] = inFlight + 1;
        }

        var slot = new HashSlot(this, address);
        try
        {
            slot.Lease = await _hashes.AcquireAsync(1, cancellationToken);
        }
        catch
        {
            slot.Dispose();
            throw;
        }

        if (!slot.Lease.IsAcquired)
        {
            slot.Dispose();
            return null;
        }

        Interlocked.Increment(ref _hashesStarted);
        return slot;
    }

    internal void ReleaseAddress(string address)
    {
        lock (_lock)
        {
            if (_inFlight.TryGetValue(address, out var inFlight) && inFlight > 1)
            {
                _inFlight[address] = inFlight - 1;
            }
            else
            {
                _inFlight.Remove(address);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _hashes.Dispose();

    private void Count(Dictionary<string, Failures> map, string scope, string key, int threshold, DateTimeOffset now, List<Lockout> started)
    {
        if (!map.TryGetValue(key, out var failures) || now - failures.WindowStart >= _options.LockoutDuration && failures.LockedUntil <= now)
        {
            if (map.Count >= MaxTracked)
            {
                Prune(map, now);
            }

            failures = new Failures { WindowStart = now };
            map[key] = failures;
        }

        failures.Count++;
        if (failures.Count >= threshold && failures.LockedUntil <= now)
        {
            failures.LockedUntil = now + _options.LockoutDuration;
            started.Add(new Lockout(scope, key, failures.LockedUntil));
        }
    }

    private void Prune(Dictionary<string, Failures> map, DateTimeOffset now)
    {
        foreach (var (key, failures) in map)
        {
            if (now - failures.WindowStart >= _options.LockoutDuration && failures.LockedUntil <= now)
            {
                map.Remove(key);
            }
        }

        // Still full of live entries (a spray of names): forget the oldest windows, locked ones last.
        if (map.Count >= MaxTracked)
        {
            foreach (var key in map.OrderBy(p => p.Value.LockedUntil > now).ThenBy(p => p.Value.WindowStart).Take(map.Count - (MaxTracked * 9 / 10)).Select(p => p.Key).ToList())
            {
                map.Remove(key);
            }
        }
    }

    private static DateTimeOffset? LockedUntil(Dictionary<string, Failures> map, string key, DateTimeOffset now) =>
        map.TryGetValue(key, out var failures) && failures.LockedUntil > now ? failures.LockedUntil : null;

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private sealed class Failures
    {
        public int Count { get; set; }

        public DateTimeOffset WindowStart { get; init; }

        public DateTimeOffset LockedUntil { get; set; } = DateTimeOffset.MinValue;
    }
}

/// <summary>A hashing slot and the address's place among its concurrent sign-ins, given back together.</summary>
file sealed class HashSlot(LoginThrottle owner, string address) : IDisposable
{
    private int _disposed;

    public RateLimitLease? Lease { get; set; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Lease?.Dispose();
            owner.ReleaseAddress(address);
        }
    }
}
