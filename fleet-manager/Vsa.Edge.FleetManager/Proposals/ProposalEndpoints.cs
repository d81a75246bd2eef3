using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Live;

namespace Vsa.Edge.FleetManager.Proposals;

/// <summary>
/// The proposals of a device, for administrators: list, apply, reject. Applying one takes the device's current desired cameras,
/// puts the proposed document in place of that camera's (or adds it), and hands the result to the same validator and the same
/// <see cref="ConfigStore.SetDesiredAsync"/> as <c>PUT /api/devices/{deviceId}/config</c>: an event no authorisation covers is
/// refused there (422, the reason named), a change accepted meanwhile is a 409, and the new version is published by the same
/// <see cref="ConfigPublisher"/>.
/// </summary>
public static class ProposalEndpoints
{
    /// <summary>Most proposals listed per device.</summary>
    public const int ListLimit = 50;

    /// <summary>Most pending proposals listed for the whole fleet (<c>GET /api/proposals</c>), newest first, taken from the devices in turns (<see cref="ProposalStore.ListPendingAsync"/>).</summary>
    public const int PendingLimit = 200;

    /// <summary>Registers the store and the endpoints' JSON metadata.</summary>
    public static IHostApplicationBuilder AddFleetProposals(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ProposalStore>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(ProposalJsonContext.Default));
        return builder;
    }

    /// <summary>
    /// Maps <c>GET /api/proposals</c> (pending ones of every device: the console's review list), <c>GET /api/proposals/devices</c>
    /// (per device: pending, listed, refused and why),
    /// <c>GET /api/devices/{deviceId}/proposals</c>, <c>GET …/proposals/{proposalId}</c>, <c>POST …/proposals/{proposalId}/apply</c>
    /// and <c>POST …/proposals/{proposalId}/reject</c>, all for administrators (a proposal may carry a camera's credentials).
    /// </summary>
    public static IEndpointRouteBuilder MapProposalsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/proposals", ListPendingAsync).RequireAuthorization(FleetPolicies.Manage).WithName("ListPendingProposals");
        app.MapGet("/api/proposals/devices", SummariseAsync).RequireAuthorization(FleetPolicies.Manage).WithName("SummariseProposals");
        var group = app.MapGroup("/api/devices/{deviceId}/proposals").RequireAuthorization(FleetPolicies.Manage);
        group.MapGet("/", ListAsync).WithName("ListProposals");
        group.MapGet("/{proposalId}", GetAsync).WithName("GetProposal");
        group.MapPost("/{proposalId}/apply", ApplyAsync).WithName("ApplyProposal");
        group.MapPost("/{proposalId}/reject", RejectAsync).WithName("RejectProposal");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<ProposalView>>> ListAsync(string deviceId, ProposalStore store, ConfigStore configs, CancellationToken cancellationToken)
    {
        var desired = await configs.FindDesiredAsync(deviceId, cancellationToken);
        var cameras = desired?.Message().Cameras;
        var records = await store.ListAsync(deviceId, ListLimit, cancellationToken);
        return TypedResults.Ok<IReadOnlyList<ProposalView>>([.. records.Select(r => View(r, cameras, desired?.Version ?? 0))]);
    }

    // Per device: pending, shown in the review list, refused (with the newest reason): what the list's turns leave out.
    private static async Task<Ok<IReadOnlyList<ProposalDeviceSummary>>> SummariseAsync(ProposalStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.SummariseAsync(PendingLimit, cancellationToken));

    private static async Task<Ok<IReadOnlyList<ProposalView>>> ListPendingAsync(ProposalStore store, ConfigStore configs, CancellationToken cancellationToken)
    {
        var records = await store.ListPendingAsync(PendingLimit, cancellationToken);

        // Each device's desired configuration read once, however many of its cameras have a proposal waiting.
        var desired = new Dictionary<string, (IReadOnlyList<JsonElement>? Cameras, long Version)>(StringComparer.Ordinal);
        foreach (var deviceId in records.Select(r => r.DeviceId).Distinct(StringComparer.Ordinal))
        {
            var config = await configs.FindDesiredAsync(deviceId, cancellationToken);
            desired[deviceId] = (config?.Message().Cameras, config?.Version ?? 0);
        }

        return TypedResults.Ok<IReadOnlyList<ProposalView>>([.. records.Select(r => View(r, desired[r.DeviceId].Cameras, desired[r.DeviceId].Version))]);
    }

    private static async Task<Results<Ok<ProposalView>, ProblemHttpResult>> GetAsync(string deviceId, string proposalId, ProposalStore store, ConfigStore configs, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(deviceId, proposalId, cancellationToken) is not { } record)
        {
            return NotFound(deviceId, proposalId);
        }

        var desired = await configs.FindDesiredAsync(deviceId, cancellationToken);
        return TypedResults.Ok(View(record, desired?.Message().Cameras, desired?.Version ?? 0));
    }

    private static async Task<Results<Ok<ProposalView>, ValidationProblem, ProblemHttpResult>> ApplyAsync(
        string deviceId, string proposalId, ApplyProposalRequest? request, ClaimsPrincipal user, ProposalStore store, ConfigStore configs, ConfigPublisher publisher,
        DeviceStore devices, LiveBroadcaster live, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var proposal = await store.FindAsync(deviceId, proposalId, cancellationToken);
        if (proposal is null)
        {
            return NotFound(deviceId, proposalId);
        }

        if (proposal.Status != ProposalStatus.Pending)
        {
            return AlreadyDecided(proposal);
        }

        var desired = await configs.FindDesiredAsync(deviceId, cancellationToken);
        var baseVersion = desired?.Version ?? 0;
        if (request?.ExpectedVersion is { } expected && expected != baseVersion)
        {
            return Changed(deviceId, baseVersion, expected);
        }

        // The device's next configuration: every camera it is asked to run now, the proposed one in place of its namesake.
        var document = ProposalDocuments.KeepSecret(ProposalDocuments.Parse(proposal.Document), CameraLayoutReader.Find(desired?.Message().Cameras, proposal.CameraId));
        var cameras = (desired?.Message().Cameras ?? []).Where(c => CameraLayoutReader.Find([c], proposal.CameraId) is null).Append(document).ToList();
        if (!DesiredConfigRules.TryValidateCameras(cameras, out var valid, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid configuration", detail: $"{errors.Count} field(s) refused by the agent's camera validator; the device keeps its current configuration.");
        }

        var actor = FleetClaims.Name(user);
        var result = await configs.SetDesiredAsync(deviceId, valid, baseVersion, actor, timeProvider.GetUtcNow(), cancellationToken);
        switch (result.Outcome)
        {
            case SetDesiredOutcome.Conflict:
                return Changed(deviceId, result.CurrentVersion, baseVersion);
            case SetDesiredOutcome.Unauthorised:
                var messages = result.Errors!.Values.SelectMany(m => m).ToList();
                return TypedResults.Problem(new HttpValidationProblemDetails(result.Errors)
                {
                    Status = StatusCodes.Status422UnprocessableEntity,
                    Title = "Event not authorised",
                    Detail = messages.Count == 1 ? messages[0] : $"{messages[0]} (and {messages.Count - 1} more)",
                });
        }

        var version = result.Desired!.Version;
        var decided = await store.DecideAsync(deviceId, proposalId, ProposalStatus.Applied, actor, null, version, cancellationToken);
        publisher.Notify(deviceId);
        if (live.HasListeners && await devices.FindAsync(deviceId, cancellationToken) is { } device)
        {
            live.Publish(new LiveEvent(LiveEventTypes.Device, JsonSerializer.Serialize(device, FleetJsonContext.Default.DeviceView)));
        }

        if (!decided)
        {
            // Another administrator decided (or the device replaced it) between the read and now; the version stands.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Proposal decided meanwhile",
                detail: $"Desired version {version} was issued, but proposal {proposalId} was no longer pending when it was to be marked applied.");
        }

        var after = (await configs.FindDesiredAsync(deviceId, cancellationToken))?.Message();
        return TypedResults.Ok(View((await store.FindAsync(deviceId, proposalId, cancellationToken))!, after?.Cameras, version));
    }

    private static async Task<Results<Ok<ProposalView>, ValidationProblem, ProblemHttpResult>> RejectAsync(
        string deviceId, string proposalId, RejectProposalRequest? request, ClaimsPrincipal user, ProposalStore store, ConfigStore configs, CancellationToken cancellationToken)
    {
        var reason = request?.Reason?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > ProposalStore.MaxReasonLength || reason.Any(char.IsControl))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = [$"reason is required: 1-{ProposalStore.MaxReasonLength} characters, no control characters."] }, title: "Reason required");
        }

        var proposal = await store.FindAsync(deviceId, proposalId, cancellationToken);
        if (proposal is null)
        {
            return NotFound(deviceId, proposalId);
        }

        if (!await store.DecideAsync(deviceId, proposalId, ProposalStatus.Rejected, FleetClaims.Name(user), reason, null, cancellationToken))
        {
            return AlreadyDecided((await store.FindAsync(deviceId, proposalId, cancellationToken)) ?? proposal);
        }

        var desired = await configs.FindDesiredAsync(deviceId, cancellationToken);
        return TypedResults.Ok(View((await store.FindAsync(deviceId, proposalId, cancellationToken))!, desired?.Message().Cameras, desired?.Version ?? 0));
    }

    private static ProposalView View(ProposalRecord r, IReadOnlyList<JsonElement>? cameras, long version)
    {
        var document = ProposalDocuments.Parse(r.Document);
        var current = CameraLayoutReader.Find(cameras, r.CameraId);
        return new ProposalView(
            r.DeviceId, r.ProposalId, r.CameraId, r.ProposedAt, r.ReceivedAt, r.Status, r.DecidedBy, r.DecidedAt, r.Reason, r.AppliedVersion,
            CameraLayoutReader.Read(r.DeviceId, r.CameraId, "proposal", document),
            current is { } c ? CameraLayoutReader.Read(r.DeviceId, r.CameraId, "desired", c) : null,
            version,
            ProposalDiff.Describe(current, document),
            CameraLayoutReader.RedactSource(document),
            current is { } known ? CameraLayoutReader.RedactSource(known) : null);
    }

    private static ProblemHttpResult NotFound(string deviceId, string proposalId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Proposal not found", detail: $"Device '{deviceId}' has no proposal '{proposalId}'.");

    private static ProblemHttpResult AlreadyDecided(ProposalRecord proposal) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Proposal already decided",
            detail: $"Proposal {proposal.ProposalId} is {proposal.Status}{(proposal.DecidedBy is { } by ? $" (by {by})" : string.Empty)}.");

    private static ProblemHttpResult Changed(string deviceId, long current, long expected) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Configuration changed meanwhile",
            detail: $"The desired configuration of '{deviceId}' is at version {current}, not {expected}; reload the proposal and look at the differences again.");
}
