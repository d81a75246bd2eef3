namespace Vsa.Edge.Agent.Mqtt;

/// <summary>
/// Exponential reconnect delays with "equal jitter": attempt n waits a random time in [d/2, d] where
/// d = min(max, min × 2ⁿ), so a fleet that lost its broker does not reconnect in lock-step.
/// </summary>
public sealed class ReconnectBackoff(TimeSpan min, TimeSpan max, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;
    private int _attempt;

    /// <summary>Failures since the last <see cref="Reset"/>.</summary>
    public int Attempt => _attempt;

    /// <summary>The delay before the next attempt.</summary>
    public TimeSpan Next()
    {
        var exponent = Math.Min(_attempt, 30);
        _attempt++;
        var ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (0.5 * _random())));
    }

    /// <summary>Back to the shortest delay (after a successful connection).</summary>
    public void Reset() => _attempt = 0;
}
