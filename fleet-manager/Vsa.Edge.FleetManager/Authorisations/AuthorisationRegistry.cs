using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Authorisations;

/// <summary>What became of an authorisation change.</summary>
public enum AuthorisationOutcome
{
    /// <summary>Stored.</summary>
    Stored,

    /// <summary>No authorisation has that id.</summary>
    NotFound,

    /// <summary>Another authorisation has that reference.</summary>
    DuplicateReference,
}

/// <summary>The result of an authorisation change.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Authorisation">The stored authorisation when <see cref="AuthorisationOutcome.Stored"/>.</param>
/// <param name="Reissued">Devices whose desired configuration got a new version carrying the new windows.</param>
public sealed record AuthorisationResult(AuthorisationOutcome Outcome, AuthorisationView? Authorisation, IReadOnlyList<string> Reissued);

/// <summary>
/// Records and changes authorisations. In one transaction: the change, its audit entry, and a new desired version (same
/// cameras, new windows) for every configured device whose windows it changes, each audited too; after the commit those
/// devices are handed to the <see cref="ConfigPublisher"/>. A device thus learns of an extension, a shortening or a
/// withdrawal (end date brought forward) without anyone editing its cameras.
/// </summary>
public sealed class AuthorisationRegistry(FleetDatabase database, AuthorisationStore store, ConfigStore configs, IAuditLog audit, ConfigPublisher publisher, TimeProvider timeProvider)
{
    /// <summary>Records a new authorisation.</summary>
    public async Task<AuthorisationResult> CreateAsync(ValidAuthorisation value, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        var now = timeProvider.GetUtcNow();
        var result = await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (await AuthorisationStore.ReferenceTakenAsync(connection, transaction, value.Reference, null, cancellationToken))
            {
                return new AuthorisationResult(AuthorisationOutcome.DuplicateReference, null, []);
            }

            var stored = await store.InsertAsync(connection, transaction, value, actor, now, cancellationToken);
            await audit.AppendAsync(connection, transaction, new AuditEvent(actor, AuditActions.AuthorisationChanged, Target(stored), new JsonObject
            {
                ["operation"] = "create",
                ["after"] = Snapshot(stored),
            }), cancellationToken);
            var reissued = await configs.ReissueAsync(connection, transaction, Devices(stored), actor, $"authorisation {stored.Reference} recorded", now, cancellationToken);
            return new AuthorisationResult(AuthorisationOutcome.Stored, stored, [.. reissued.Select(r => r.DeviceId)]);
        }, cancellationToken);
        Publish(result);
        return result;
    }

    /// <summary>Replaces an authorisation (to correct it, extend it, or withdraw it by bringing its end forward).</summary>
    public async Task<AuthorisationResult> UpdateAsync(long id, ValidAuthorisation value, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        var now = timeProvider.GetUtcNow();
        var result = await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (await store.FindAsync(connection, transaction, id, cancellationToken) is not { } before)
            {
                return new AuthorisationResult(AuthorisationOutcome.NotFound, null, []);
            }

            if (await AuthorisationStore.ReferenceTakenAsync(connection, transaction, value.Reference, id, cancellationToken))
            {
                return new AuthorisationResult(AuthorisationOutcome.DuplicateReference, null, []);
            }

            var after = (await store.UpdateAsync(connection, transaction, id, value, actor, now, cancellationToken))!;
            await audit.AppendAsync(connection, transaction, new AuditEvent(actor, AuditActions.AuthorisationChanged, Target(after), new JsonObject
            {
                ["operation"] = "update",
                ["before"] = Snapshot(before),
                ["after"] = Snapshot(after),
            }), cancellationToken);

            // Devices it no longer names lose the window, devices it now names gain it.
            var reissued = await configs.ReissueAsync(connection, transaction, Devices(before).Concat(Devices(after)), actor, $"authorisation {after.Reference} changed", now, cancellationToken);
            return new AuthorisationResult(AuthorisationOutcome.Stored, after, [.. reissued.Select(r => r.DeviceId)]);
        }, cancellationToken);
        Publish(result);
        return result;
    }

    private void Publish(AuthorisationResult result)
    {
        foreach (var deviceId in result.Reissued)
        {
            publisher.Notify(deviceId);
        }
    }

    private static IEnumerable<string> Devices(AuthorisationView authorisation) => authorisation.Cameras.Select(c => c.DeviceId).Distinct(StringComparer.Ordinal);

    private static string Target(AuthorisationView authorisation) => $"authorisation:{authorisation.Reference}";

    private static JsonObject Snapshot(AuthorisationView authorisation) => new()
    {
        ["id"] = authorisation.Id,
        ["reference"] = authorisation.Reference,
        ["service"] = authorisation.Service,
        ["events"] = JsonSerializer.SerializeToNode(authorisation.Events, FleetJsonContext.Default.IReadOnlyListString),
        ["cameras"] = JsonSerializer.SerializeToNode(authorisation.Cameras, FleetJsonContext.Default.IReadOnlyListAuthorisedCamera),
        ["startsAt"] = authorisation.StartsAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["endsAt"] = authorisation.EndsAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        ["documentUrl"] = authorisation.DocumentUrl,
        ["authority"] = authorisation.Authority,
        ["purpose"] = authorisation.Purpose,
    };
}
