using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.ModelUpdates;

namespace Vsa.Edge.FleetManager.Tests.Rollouts;

/// <summary>One assignment a rollout made.</summary>
public sealed record Assigned(string DeviceId, string? Sha256, string? RolloutId, string Actor);

/// <summary>
/// The model-update ports for rollout tests, until the fleet's model delivery is merged: records every assignment, refuses
/// what the test scripts, and returns the model reports the test sets. Registered through DI (<see cref="Register"/>), so
/// the real implementations replace it by changing that one method.
/// </summary>
public sealed class ScriptedModelPorts : IModelAssigner, IModelReports
{
    /// <summary>SHA-256 of the model the devices ran before.</summary>
    public const string OldSha = "1111111111111111111111111111111111111111111111111111111111111111";

    /// <summary>SHA-256 of the package rolled out.</summary>
    public const string NewSha = "2222222222222222222222222222222222222222222222222222222222222222";

    private readonly ConcurrentQueue<Assigned> _assigned = new();
    private readonly ConcurrentDictionary<string, ModelReportedMessage> _reports = new(StringComparer.Ordinal);

    /// <summary>Device → reason the check and the assignment refuse it.</summary>
    public ConcurrentDictionary<string, string> Refusals { get; } = new(StringComparer.Ordinal);

    /// <summary>Every assignment, in order.</summary>
    public IReadOnlyList<Assigned> Assignments => [.. _assigned];

    /// <summary>Registers this object as both ports.</summary>
    public void Register(IServiceCollection services)
    {
        services.AddSingleton<IModelAssigner>(this);
        services.AddSingleton<IModelReports>(this);
    }

    /// <summary>The device runs the old model (<paramref name="sha"/>; null: its factory model), no update pending.</summary>
    public void Running(string deviceId, string? sha = OldSha, string version = "1.0.0") =>
        _reports[deviceId] = Report(deviceId, new ModelSlotReport("detector", "nanodet-coco", sha is null ? DesiredModel.FactoryVersion : version, sha, null, null));

    /// <summary>The device reports the new package in <paramref name="state"/>.</summary>
    public void Updating(string deviceId, ModelUpdateState state, string? reason = null, string rolloutId = "rollout:1")
    {
        var serving = state is ModelUpdateState.Soaking or ModelUpdateState.Active;
        var update = new ModelUpdateReport("nanodet-coco", "2.0.0", NewSha, state, reason, DateTimeOffset.UtcNow, rolloutId);
        _reports[deviceId] = Report(deviceId, new ModelSlotReport("detector", "nanodet-coco", serving ? "2.0.0" : "1.0.0", serving ? NewSha : OldSha, serving ? "1.0.0" : null, update));
    }

    /// <inheritdoc />
    public Task<ModelAssignment> AssignAsync(string deviceId, string? packageSha256, string? rolloutId, string actor, CancellationToken cancellationToken)
    {
        if (Refusals.TryGetValue(deviceId, out var reason))
        {
            return Task.FromResult(new ModelAssignment(false, reason, null));
        }

        _assigned.Enqueue(new(deviceId, packageSha256, rolloutId, actor));
        return Task.FromResult(new ModelAssignment(true, null, _assigned.Count));
    }

    /// <inheritdoc />
    public Task<ModelAssignment> CheckAsync(string deviceId, string? packageSha256, CancellationToken cancellationToken) =>
        Task.FromResult(Refusals.TryGetValue(deviceId, out var reason) ? new ModelAssignment(false, reason, null) : new ModelAssignment(true, null, null));

    /// <inheritdoc />
    public Task<ModelReportedMessage?> LatestAsync(string deviceId, CancellationToken cancellationToken) =>
        Task.FromResult(_reports.GetValueOrDefault(deviceId));

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, ModelReportedMessage>> LatestAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, ModelReportedMessage>>(deviceIds.Where(_reports.ContainsKey).ToDictionary(d => d, d => _reports[d], StringComparer.Ordinal));

    private static ModelReportedMessage Report(string deviceId, ModelSlotReport slot) =>
        new(ModelReportedMessage.SchemaId, ModelReportedMessage.CurrentVersion, deviceId, DateTimeOffset.UtcNow, [slot]);
}
