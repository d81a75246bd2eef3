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

    /// <summary>
    /// How long crowd_density still counts a confirmed person the detector has lost (hidden behind the sign post or
    /// another person), at the box where they were last seen (<see cref="PersonCounting"/>). Off by default: on the
    /// demo clip's hand counts 0.5–1.5 s changed nothing (<c>./vsa bench count</c>, docs/performance.md), since the
    /// tracker's low-score association already holds a briefly hidden person. Default 0.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:05")]
    public TimeSpan OcclusionMemory { get; set; }
}
