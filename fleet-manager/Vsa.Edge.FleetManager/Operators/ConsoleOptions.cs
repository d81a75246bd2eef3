using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Operators;

/// <summary>
/// How the operator console groups, orders and escalates alerts, section <c>Fleet:Console</c>. Bound and validated on
/// start: an unknown event type or a priority out of range stops the fleet manager with a message naming it.
/// </summary>
public sealed class ConsoleOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Fleet:Console";

    /// <summary>Most urgent priority level (shown first, red, three-tone sound).</summary>
    public const int Urgent = 1;

    /// <summary>Least urgent priority level.</summary>
    public const int Normal = 3;

    /// <summary>
    /// Seconds between a decision's "Décision enregistrée" and the moment it is sent, during which "Annuler" withdraws it
    /// (a decision is final once sent). Default 5; 0 sends at once.
    /// </summary>
    [Range(0, 30)]
    public int UndoSeconds { get; set; } = 5;

    /// <summary>
    /// Largest gap, in seconds, between the start of an alert and the start of the previous one of the same camera, zone
    /// or line and event for both to be one incident, when <see cref="IncidentGapSecondsByEvent"/> names no other.
    /// Default 120.
    /// </summary>
    [Range(0, 86400)]
    public int IncidentGapSeconds { get; set; } = 120;

    /// <summary>Per event type (wire name, e.g. <c>intrusion</c>): its own gap in seconds. Default empty.</summary>
    public Dictionary<string, int> IncidentGapSecondsByEvent { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Minutes after an incident was decided during which new alerts of its camera, zone and event are shown as its
    /// follow-up (no sound, the earlier decision beside them); later ones open a new incident. Default 10.
    /// </summary>
    [Range(0, 1440)]
    public int ReactivationMinutes { get; set; } = 10;

    /// <summary>Seconds an incident may wait undecided before it escalates (highlight, repeated tone). Default 120.</summary>
    [Range(10, 86400)]
    public int EscalateAfterSeconds { get; set; } = 120;

    /// <summary>Seconds between two repeats of the escalation tone while an incident stays escalated. Default 30.</summary>
    [Range(5, 3600)]
    public int EscalationRepeatSeconds { get; set; } = 30;

    /// <summary>Seconds before the alert's start at which "Voir dans le logiciel vidéo" opens the recording. Default 10.</summary>
    [Range(0, 600)]
    public int VmsLeadInSeconds { get; set; } = 10;

    /// <summary>
    /// Priority per event type (1 urgent, 2 high, 3 normal). Defaults: fire, weapon and person_down 1; intrusion,
    /// abandoned_object and crowd_movement 2; the others 3.
    /// </summary>
    public Dictionary<string, int> PriorityByEvent { get; } = new(StringComparer.Ordinal)
    {
        ["fire"] = 1, ["weapon"] = 1, ["person_down"] = 1,
        ["intrusion"] = 2, ["abandoned_object"] = 2, ["crowd_movement"] = 2,
        ["crowd_density"] = 3, ["wrong_way"] = 3,
    };

    /// <summary>
    /// Priority per camera, keyed <c>deviceId/cameraId</c>, raising (a lower number) an event's priority on a sensitive
    /// camera; never lowers it. Default empty.
    /// </summary>
    public Dictionary<string, int> PriorityByCamera { get; } = new(StringComparer.Ordinal);
}

/// <summary>Checks <see cref="ConsoleOptions"/>' dictionaries, which data annotations do not reach.</summary>
public sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ConsoleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (eventType, gap) in options.IncidentGapSecondsByEvent)
        {
            if (!IsEvent(eventType))
            {
                failures.Add($"{ConsoleOptions.SectionName}:IncidentGapSecondsByEvent names '{eventType}', which is not one of the eight event types ({string.Join(", ", EventNames)}).");
            }

            if (gap is < 0 or > 86400)
            {
                failures.Add($"{ConsoleOptions.SectionName}:IncidentGapSecondsByEvent:{eventType} is {gap}; it must be from 0 to 86400 seconds.");
            }
        }

        foreach (var (eventType, priority) in options.PriorityByEvent)
        {
            if (!IsEvent(eventType))
            {
                failures.Add($"{ConsoleOptions.SectionName}:PriorityByEvent names '{eventType}', which is not one of the eight event types ({string.Join(", ", EventNames)}).");
            }

            CheckPriority(failures, $"PriorityByEvent:{eventType}", priority);
        }

        foreach (var (camera, priority) in options.PriorityByCamera)
        {
            if (camera.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                failures.Add($"{ConsoleOptions.SectionName}:PriorityByCamera key '{camera}' must be deviceId/cameraId.");
            }

            CheckPriority(failures, $"PriorityByCamera:{camera}", priority);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static IEnumerable<string> EventNames => Enum.GetValues<Contracts.EventType>().Select(e => WireNames.Of(e));

    private static bool IsEvent(string name) => EventNames.Contains(name, StringComparer.Ordinal);

    private static void CheckPriority(List<string> failures, string key, int priority)
    {
        if (priority is < ConsoleOptions.Urgent or > ConsoleOptions.Normal)
        {
            failures.Add($"{ConsoleOptions.SectionName}:{key} is {priority}; priorities go from {ConsoleOptions.Urgent} (urgent) to {ConsoleOptions.Normal} (normal).");
        }
    }
}
