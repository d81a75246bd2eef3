namespace Vsa.Edge.FleetManager.Operators;

/// <summary>Who handles an alert awaiting a decision ("Pris en charge par …"); <see cref="ClaimedBy"/> null once released.</summary>
/// <param name="AlertId">The alert.</param>
/// <param name="ClaimedBy">The operator's account name, or null when nobody handles it (released).</param>
/// <param name="ClaimedAt">When it was claimed or handed over (fleet clock).</param>
/// <param name="HandedBy">The colleague who handed it over, if it was.</param>
/// <param name="Note">The hand-over note, at most <see cref="ClaimRules.MaxNoteLength"/> characters.</param>
public sealed record ClaimView(string AlertId, string? ClaimedBy, DateTimeOffset? ClaimedAt, string? HandedBy, string? Note);

/// <summary>Body of <c>POST /api/claims</c>: one action on one alert or a whole incident.</summary>
/// <param name="AlertIds">The alerts (an incident's), 1 to <see cref="ClaimRules.MaxAlerts"/>.</param>
/// <param name="Action"><c>claim</c>, <c>release</c> or <c>handover</c>.</param>
/// <param name="To">The operator account an alert is handed to (<c>handover</c> only).</param>
/// <param name="Note">A note for the colleague (<c>handover</c> only).</param>
public sealed record ClaimRequest(IReadOnlyList<string>? AlertIds, string? Action, string? To, string? Note);

/// <summary>Body of <c>POST /api/alerts/decisions</c>: one decision taken for every alert of an incident.</summary>
/// <param name="AlertIds">The incident's alerts, 1 to <see cref="ClaimRules.MaxAlerts"/>; the first names the incident in the audit log.</param>
/// <param name="Decision"><c>confirmed</c> or <c>dismissed</c>.</param>
/// <param name="Reason">Required when dismissing.</param>
/// <param name="Comment">Free text.</param>
public sealed record IncidentDecisionRequest(IReadOnlyList<string>? AlertIds, Alerts.AlertDecisionKind? Decision, string? Reason, string? Comment);

/// <summary>What the console needs to group, order and escalate (from <see cref="ConsoleOptions"/>).</summary>
/// <param name="UndoSeconds">Undo window before a decision is sent.</param>
/// <param name="IncidentGapSeconds">Default gap between alerts of one incident.</param>
/// <param name="IncidentGapSecondsByEvent">Gap per event type.</param>
/// <param name="ReactivationMinutes">Follow-up window after an incident is decided.</param>
/// <param name="EscalateAfterSeconds">Waiting time before escalation.</param>
/// <param name="EscalationRepeatSeconds">Repeat of the escalation tone.</param>
/// <param name="PriorityByEvent">Priority per event type.</param>
/// <param name="PriorityByCamera">Priority per <c>deviceId/cameraId</c>.</param>
/// <param name="VmsLeadInSeconds">Lead-in of "Voir dans le logiciel vidéo".</param>
public sealed record ConsoleSettings(
    int UndoSeconds,
    int IncidentGapSeconds,
    IReadOnlyDictionary<string, int> IncidentGapSecondsByEvent,
    int ReactivationMinutes,
    int EscalateAfterSeconds,
    int EscalationRepeatSeconds,
    IReadOnlyDictionary<string, int> PriorityByEvent,
    IReadOnlyDictionary<string, int> PriorityByCamera,
    int VmsLeadInSeconds);

/// <summary>Limits of the claim and incident requests.</summary>
public static class ClaimRules
{
    /// <summary>Most alerts in one request (an incident larger than this is decided in several).</summary>
    public const int MaxAlerts = 500;

    /// <summary>Longest hand-over note.</summary>
    public const int MaxNoteLength = 500;

    /// <summary>Checks the alert ids of a request; the errors are keyed by field name.</summary>
    public static void CheckAlertIds(IReadOnlyList<string>? alertIds, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (alertIds is not { Count: > 0 and <= MaxAlerts })
        {
            errors["alertIds"] = [$"alertIds must list 1 to {MaxAlerts} alerts."];
        }
        else if (alertIds.Any(string.IsNullOrWhiteSpace))
        {
            errors["alertIds"] = ["alertIds must not contain an empty id."];
        }
        else if (alertIds.Distinct(StringComparer.Ordinal).Count() != alertIds.Count)
        {
            errors["alertIds"] = ["alertIds must not repeat an alert."];
        }
    }
}
