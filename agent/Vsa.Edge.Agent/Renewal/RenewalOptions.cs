using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.Agent.Renewal;

/// <summary>
/// Automatic renewal of the device certificate over the broker (configuration section <c>Agent:Renewal</c>; only with TLS
/// credentials, <c>Mqtt:CredentialsDirectory</c> or the explicit files).
/// </summary>
public sealed class RenewalOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Agent:Renewal";

    /// <summary>Whether the agent renews its certificate itself. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Fraction of the certificate's validity (from its start) after which the agent asks for a new one. Default 0.66, before
    /// the fleet's <c>Fleet:Trust:RenewalMissedAfter</c> (0.75). 0 renews at the first connection (then at most once per
    /// <see cref="RetryDelay"/>): to rotate the key now, or on a test bench.
    /// </summary>
    [Range(0.0, 0.95)]
    public double RenewAfter { get; set; } = 0.66;

    /// <summary>How long the agent waits for the fleet's signed answer before it gives up this attempt. Default 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan AnswerTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Wait after an attempt that failed (no answer, a refusal, a certificate that does not check) before the next one, with a
    /// new key; also the shortest time between two renewals. Default 15 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(15);
}
