using System.CommandLine;
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

    /// <summary>The <c>model</c> command and its sub-commands <c>install</c>, <c>status</c> and <c>rollback</c>, writing to <paramref name="output"/> and <paramref name="error"/>.</summary>
    public static Command Definition(TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        return new Command("model", "The device side of a model update from a package file: install, status, rollback.")
        {
            ModelArguments.InstallDefinition((a, _) => Explained(error, () => InstallAsync(a, output, error))),
            ModelArguments.SlotsDefinition("status", "Print the active slot, its version, the soak and the last outcome.", withReason: false, (a, _) => Explained(error, () => StatusAsync(a, output))),
            ModelArguments.SlotsDefinition("rollback", "Go back to the previous model (or the factory one).", withReason: true, (a, _) => Explained(error, () => RollbackAsync(a, output))),
        };
    }

    // A model that cannot be read (the default factory model missing, a slot's files unreadable): "error: …", exit 1,
    // rather than an unhandled exception.
    private static async Task<int> Explained(TextWriter error, Func<Task<int>> run)
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ModelException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary><c>model status</c>: the active slot, version, soak, previous slot and last outcome on one line; 0.</summary>
    public static async Task<int> StatusAsync(ModelArguments arguments, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        var (directory, state) = arguments.Store().ResolveForStart(new SoakOptions().MaxStartsDuringSoak, TimeProvider.System.GetUtcNow(), countStart: false);
        var manifest = ModelPackage.Load(directory).Manifest;
        await output.WriteLineAsync($"active {state.Active} {manifest.Id} {state.ActiveVersion ?? "factory"} ({manifest.Version}) soaking={state.Soaking} previous={state.Previous} "
            + $"last={state.Last?.Version ?? "-"}:{state.Last?.State ?? "-"}:{state.Last?.Reason ?? "-"} dir={directory}").ConfigureAwait(false);
        return 0;
    }

    /// <summary><c>model rollback</c>: back to the previous slot; 0.</summary>
    public static async Task<int> RollbackAsync(ModelArguments arguments, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        var after = arguments.Store().RollBack(arguments.Reason ?? "rolled back by hand", TimeProvider.System.GetUtcNow());
        await output.WriteLineAsync($"active {after.Active} {after.ActiveVersion ?? "factory"}").ConfigureAwait(false);
        return 0;
    }

    /// <summary><c>model install</c>: verify, validate and switch to the package; 0 active, 1 refused.</summary>
    public static async Task<int> InstallAsync(ModelInstallArguments arguments, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        SignedMessageVerifier keys;
        try
        {
            keys = new SignedMessageVerifier(SigningKeys.ReadPublicKeys(await File.ReadAllTextAsync(arguments.Trust).ConfigureAwait(false)));
        }
        catch (Exception ex) when (ex is IOException or FormatException)
        {
            await error.WriteLineAsync($"error: trusted model keys {arguments.Trust}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        var pauseAt = arguments.PauseAt;
        var installer = new ModelInstaller(arguments.Slots.Store(), keys, new InferenceOptions { ExecutionProviders = ["CPU"] }, TimeProvider.System, NullLogger.Instance, AgentVersion)
        {
            Kind = arguments.Slots.Kind,
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
        var result = installer.Install(arguments.Package);
        result.Loaded?.Dispose();
        if (!result.Activated)
        {
            await error.WriteLineAsync($"refused: {result.Reason}").ConfigureAwait(false);
            return 1;
        }

        var v = result.Validation!;
        await output.WriteLineAsync($"active {result.Version}: validation {v.Matched}/{v.Expected} {(result.Pose is null ? "detections" : "person crops")}, {v.Extra} extra, {v.MillisecondsPerFrame:0.0} ms/{(result.Pose is null ? "frame" : "crop")}, session {v.LoadTime.TotalMilliseconds:0} ms").ConfigureAwait(false);
        return 0;
    }
}
