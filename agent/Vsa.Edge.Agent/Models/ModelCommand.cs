using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Models;

/// <summary>
/// <c>vsa-agent model install|status|rollback</c>: the device side of a model update from a package file, by hand or
/// by a test. <c>--pause-at verifying|validating|switching</c> prints the step and waits there (to be killed: the power-cut tests).
/// </summary>
public static class ModelCommand
{
    public const string Usage =
        "usage: vsa-agent model install --package <file> --trust <model-keys.pem> [--data-dir <dir>] [--model-dir <factory model>] [--pause-at <step>]\n"
        + "       vsa-agent model status   [--data-dir <dir>] [--model-dir <factory model>]\n"
        + "       vsa-agent model rollback [--data-dir <dir>] [--model-dir <factory model>] [--reason <text>]\n"
        + "       each with [--kind pose]: the pose model's slots ({data}/models/pose; factory model Pose:ModelDirectory)";

    /// <summary>The agent's version as packages compare it (the informational version without its suffix).</summary>
    public static string AgentVersion
    {
        get
        {
            var text = typeof(ModelCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "1.0.0";
            var end = text.IndexOfAny(['+', '-']);
            return end > 0 ? text[..end] : text;
        }
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        if (args.Length == 0 || args.Length % 2 == 0)
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }

        var pose = options.GetValueOrDefault("kind") == Contracts.ModelPackages.ModelPackageMetadata.PoseKind;
        var models = Path.Combine(options.GetValueOrDefault("data-dir") ?? AgentPaths.DefaultDataDirectory, "models");
        var store = new ModelSlotStore(
            pose ? Path.Combine(models, "pose") : models,
            options.GetValueOrDefault("model-dir") ?? (pose ? Pose.PoseOptions.DefaultModelDirectory : AgentPaths.DefaultModelDirectory));
        switch (args[0])
        {
            case "install" when options.ContainsKey("package") && options.ContainsKey("trust"):
                return await InstallAsync(store, options, output, error);
            case "status":
                var (directory, state) = store.ResolveForStart(new SoakOptions().MaxStartsDuringSoak, TimeProvider.System.GetUtcNow(), countStart: false);
                var manifest = ModelPackage.Load(directory).Manifest;
                await output.WriteLineAsync($"active {state.Active} {manifest.Id} {state.ActiveVersion ?? "factory"} ({manifest.Version}) soaking={state.Soaking} previous={state.Previous} "
                    + $"last={state.Last?.Version ?? "-"}:{state.Last?.State ?? "-"}:{state.Last?.Reason ?? "-"} dir={directory}");
                return 0;
            case "rollback":
                var after = store.RollBack(options.GetValueOrDefault("reason") ?? "rolled back by hand", TimeProvider.System.GetUtcNow());
                await output.WriteLineAsync($"active {after.Active} {after.ActiveVersion ?? "factory"}");
                return 0;
            default:
                await error.WriteLineAsync(Usage);
                return 2;
        }
    }

    private static async Task<int> InstallAsync(ModelSlotStore store, Dictionary<string, string> options, TextWriter output, TextWriter error)
    {
        SignedMessageVerifier keys;
        try
        {
            keys = new SignedMessageVerifier(SigningKeys.ReadPublicKeys(await File.ReadAllTextAsync(options["trust"])));
        }
        catch (Exception ex) when (ex is IOException or FormatException)
        {
            await error.WriteLineAsync($"error: trusted model keys {options["trust"]}: {ex.Message}");
            return 1;
        }

        var pauseAt = options.GetValueOrDefault("pause-at");
        var installer = new ModelInstaller(store, keys, new InferenceOptions { ExecutionProviders = ["CPU"] }, TimeProvider.System, NullLogger.Instance, AgentVersion)
        {
            Kind = options.GetValueOrDefault("kind") ?? Contracts.ModelPackages.ModelPackageMetadata.DetectorKind,
            Step = step =>
            {
                output.WriteLine($"step {step}");
                output.Flush();
                if (step == pauseAt)
                {
                    // Waits to be killed (the power-cut tests); nothing else ends this process.
                    Thread.Sleep(Timeout.Infinite);
                }
            },
        };
        var result = installer.Install(options["package"]);
        result.Loaded?.Dispose();
        if (!result.Activated)
        {
            await error.WriteLineAsync($"refused: {result.Reason}");
            return 1;
        }

        var v = result.Validation!;
        await output.WriteLineAsync($"active {result.Version}: validation {v.Matched}/{v.Expected} {(result.Pose is null ? "detections" : "person crops")}, {v.Extra} extra, {v.MillisecondsPerFrame:0.0} ms/{(result.Pose is null ? "frame" : "crop")}, session {v.LoadTime.TotalMilliseconds:0} ms");
        return 0;
    }
}
