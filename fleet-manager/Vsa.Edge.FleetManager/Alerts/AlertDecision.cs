using System.Text.Json.Serialization;

namespace Vsa.Edge.FleetManager.Alerts;

/// <summary>What an operator made of an alert (décret 2023-828 arts. 2 and 15: an alert is only an attention signal).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlertDecisionKind>))]
public enum AlertDecisionKind
{
    /// <summary>The operator saw the event happen.</summary>
    [JsonStringEnumMemberName("confirmed")] Confirmed,

    /// <summary>A false alert, or nothing that calls for action.</summary>
    [JsonStringEnumMemberName("dismissed")] Dismissed,
}

/// <summary>Body of <c>POST /api/alerts/{alertId}/decision</c>.</summary>
/// <param name="Decision"><c>confirmed</c> or <c>dismissed</c>.</param>
/// <param name="Reason">Why, required when dismissing (for example "parcel was a person sitting"), at most 200 characters.</param>
/// <param name="Comment">Free text, at most 2000 characters.</param>
public sealed record AlertDecisionRequest(AlertDecisionKind? Decision, string? Reason, string? Comment);

/// <summary>A recorded decision.</summary>
/// <param name="Decision">Confirmed or dismissed.</param>
/// <param name="Reason">Why.</param>
/// <param name="Comment">Free text.</param>
/// <param name="DecidedBy">The operator's account name.</param>
/// <param name="DecidedAt">When (fleet clock).</param>
public sealed record AlertDecisionView(AlertDecisionKind Decision, string? Reason, string? Comment, string DecidedBy, DateTimeOffset DecidedAt);

/// <summary>Result of recording a decision.</summary>
public enum DecideOutcome
{
    /// <summary>Recorded, with its audit entry.</summary>
    Recorded,

    /// <summary>No such alert.</summary>
    NotFound,

    /// <summary>The alert already has a decision; decisions are final and stay as first recorded.</summary>
    AlreadyDecided,
}

/// <summary>Rules of a decision request.</summary>
public static class AlertDecisionRules
{
    /// <summary>Longest reason.</summary>
    public const int MaxReasonLength = 200;

    /// <summary>Longest comment.</summary>
    public const int MaxCommentLength = 2000;

    /// <summary>Checks a request; the errors are keyed by field name.</summary>
    public static bool TryValidate(AlertDecisionRequest? request, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (request?.Decision is not { } decision || !Enum.IsDefined(decision))
        {
            errors["decision"] = ["decision must be confirmed or dismissed."];
        }
        else if (decision == AlertDecisionKind.Dismissed && string.IsNullOrWhiteSpace(request.Reason))
        {
            errors["reason"] = ["reason is required when dismissing an alert: it is what the error statistics are made of."];
        }

        if (request?.Reason is { Length: > MaxReasonLength })
        {
            errors["reason"] = [$"reason must be at most {MaxReasonLength} characters."];
        }

        if (request?.Comment is { Length: > MaxCommentLength })
        {
            errors["comment"] = [$"comment must be at most {MaxCommentLength} characters."];
        }

        return errors.Count == 0;
    }
}
