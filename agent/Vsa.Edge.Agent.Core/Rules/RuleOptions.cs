using System.ComponentModel.DataAnnotations;

namespace Vsa.Edge.Agent.Core.Rules;

/// <summary>Timing shared by the rules; every duration is measured with frame timestamps, never frame counts.</summary>
public sealed class RuleOptions
{
    /// <summary>
    /// How long an object must be outside its zone (or missing from the tracker's output) before its presence ends:
    /// short exits at the polygon's edge and detector flicker do not end an alert. Default 1 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ExitGrace { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>After an alert ends, how long the same (zone, track) cannot raise a new one. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromSeconds(30);
}
