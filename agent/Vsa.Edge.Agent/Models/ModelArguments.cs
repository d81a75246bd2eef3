using System.CommandLine;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.CommandLine;
using Vsa.Edge.Contracts.ModelPackages;

namespace Vsa.Edge.Agent.Models;

/// <summary>Which model slots <c>vsa-agent model …</c> works on.</summary>
/// <param name="Kind"><c>detector</c> or <c>pose</c> (the pose model's slots are <c>{data}/models/pose</c>).</param>
/// <param name="DataDirectory">The agent's data folder.</param>
/// <param name="ModelDirectory">The factory model (null: the kind's default).</param>
/// <param name="Reason">Why (<c>rollback</c>).</param>
public sealed record ModelArguments(string Kind, string DataDirectory, string? ModelDirectory = null, string? Reason = null)
{
    /// <summary>The slot store of this kind.</summary>
    public ModelSlotStore Store()
    {
        var pose = Kind == ModelPackageMetadata.PoseKind;
        var models = Path.Combine(DataDirectory, "models");
        return new ModelSlotStore(
            pose ? Path.Combine(models, "pose") : models,
            ModelDirectory ?? (pose ? PoseOptions.DefaultModelDirectory : AgentPaths.DefaultModelDirectory));
    }

    /// <summary>A sub-command on the slots (<c>status</c>; <c>rollback</c> with <c>--reason</c>).</summary>
    internal static Command SlotsDefinition(string name, string description, bool withReason, Func<ModelArguments, CancellationToken, Task<int>> run)
    {
        var (kind, dataDirectory, modelDirectory) = SlotOptions();
        var reason = new Option<string>("--reason") { Description = "why, recorded as the last outcome (default: rolled back by hand)", HelpName = "text" };
        return AgentCommandLine.Define(
            name,
            description,
            withReason ? [kind, dataDirectory, modelDirectory, reason] : [kind, dataDirectory, modelDirectory],
            r => Bind(r, kind, dataDirectory, modelDirectory) with { Reason = withReason ? r.GetValue(reason) : null },
            run);
    }

    /// <summary>The <c>install</c> sub-command.</summary>
    internal static Command InstallDefinition(Func<ModelInstallArguments, CancellationToken, Task<int>> run)
    {
        var (kind, dataDirectory, modelDirectory) = SlotOptions();
        var package = CliOptions.Required("--package", "the model package (.vsamodel)");
        package.HelpName = "file";
        var trust = CliOptions.Required("--trust", "the model signing keys to trust (PEM)");
        trust.HelpName = "model-keys.pem";
        var pauseAt = new Option<string>("--pause-at") { Description = "print the step and wait there to be killed (power-cut tests)", HelpName = "verifying|validating|switching" };
        return AgentCommandLine.Define(
            "install",
            "Verify a signed model package, validate it on this device and switch to it.",
            [package, trust, kind, dataDirectory, modelDirectory, pauseAt],
            r => new ModelInstallArguments(Bind(r, kind, dataDirectory, modelDirectory), r.GetValue(package)!, r.GetValue(trust)!, r.GetValue(pauseAt)),
            run);
    }

    private static (Option<string> Kind, Option<string> DataDirectory, Option<string> ModelDirectory) SlotOptions()
    {
        var kind = new Option<string>("--kind") { Description = "which model's slots", HelpName = "detector|pose", DefaultValueFactory = _ => ModelPackageMetadata.DetectorKind };
        kind.CompletionSources.Add(ModelPackageMetadata.DetectorKind, ModelPackageMetadata.PoseKind);
        kind.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } value && value is not (ModelPackageMetadata.DetectorKind or ModelPackageMetadata.PoseKind))
            {
                r.AddError($"option '--kind' must be {ModelPackageMetadata.DetectorKind} or {ModelPackageMetadata.PoseKind}, not '{value}'");
            }
        });
        var modelDirectory = new Option<string>("--model-dir") { Description = "the factory model, a folder with its manifest.json (default: the kind's; the pose model's is Pose:ModelDirectory's default)", HelpName = "dir" };
        modelDirectory.Validators.Add(r =>
        {
            // The model every rollback falls back to: a folder without a manifest would be recorded as the active model
            // (rollback) or fail deep in the loader (status, install).
            if (r.Tokens.Count > 0 && r.Tokens[^1].Value is var value && !File.Exists(Path.Combine(value, "manifest.json")))
            {
                r.AddError($"option '--model-dir' must be a model folder (with its manifest.json), not '{value}'{(Directory.Exists(value) ? " (no manifest.json there)" : " (no such folder)")}");
            }
        });
        return (kind, AgentCliOptions.DataDirectory(), modelDirectory);
    }

    private static ModelArguments Bind(ParseResult r, Option<string> kind, Option<string> dataDirectory, Option<string> modelDirectory) =>
        new(r.GetValue(kind)!, r.GetValue(dataDirectory)!, r.GetValue(modelDirectory));
}

/// <summary>The options of <c>vsa-agent model install</c>.</summary>
/// <param name="Slots">Which slots.</param>
/// <param name="Package">The package file.</param>
/// <param name="Trust">The PEM file of the model signing keys to trust.</param>
/// <param name="PauseAt">A step to stop at, waiting to be killed (tests).</param>
public sealed record ModelInstallArguments(ModelArguments Slots, string Package, string Trust, string? PauseAt = null);
