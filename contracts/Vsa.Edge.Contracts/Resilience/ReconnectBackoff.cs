namespace Vsa.Edge.Contracts.Resilience;

/// <summary>
/// Exponential reconnect delays with "equal jitter", one rule for the agent and the fleet: the n-th consecutive failure
/// waits a random time between half and all of min·2ⁿ (capped at max), never less than min. Jitter spreads the
/// reconnections of many devices (or fleet instances) after a broker restart, so they do not come back in lock-step.
/// </summary>
public sealed class ReconnectBackoff
{
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly Func<double> _unitRandom;
    private int _failures;

    /// <summary>Creates a back-off; <paramref name="unitRandom"/> returns values in [0, 1] (default <see cref="Random.Shared"/>).</summary>
    public ReconnectBackoff(TimeSpan min, TimeSpan max, Func<double>? unitRandom = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(min, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        _min = min;
        _max = max;
        _unitRandom = unitRandom ?? Random.Shared.NextDouble;
    }

    /// <summary>Failures since the last <see cref="Reset"/>.</summary>
    public int Attempt => _failures;

    /// <summary>The delay before the next attempt; each call counts one more failure.</summary>
    public TimeSpan Next()
    {
        // Capping the exponent keeps 2ⁿ finite long before the max delay would stop mattering.
        var ceiling = Math.Min(_max.Ticks, _min.Ticks * Math.Pow(2, Math.Min(_failures, 30)));
        _failures++;
        var jittered = ceiling * (0.5 + (0.5 * Math.Clamp(_unitRandom(), 0, 1)));
        return TimeSpan.FromTicks((long)Math.Max(_min.Ticks, jittered));
    }

    /// <summary>Back to the shortest delay (after a successful connection).</summary>
    public void Reset() => _failures = 0;
}
