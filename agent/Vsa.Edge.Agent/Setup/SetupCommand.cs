using System.Net.NetworkInformation;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Pose;
using Vsa.Edge.CommandLine;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Setup;

/// <summary>
/// <c>vsa-agent provision setup</c>: the installer's set-up page for one camera, for the time of the installation only.
/// It prints the address, the certificate's fingerprint and the one-time code, then serves until Ctrl+C. When wrong codes
/// lock the page it says so, and Enter on its terminal prints a new code that lifts the lock.
/// </summary>
internal sealed class SetupCommand(TextWriter stdout, TextWriter stderr, TimeProvider time, ILoggerFactory loggers, TextReader? stdin = null)
{
    public const int ExitOk = 0;
    public const int ExitUsage = 2;
    public const int ExitCamera = 4;
    public const int ExitModel = 5;

    /// <summary>Runs the command from the console: Ctrl+C stops it; warnings and errors go to stderr.</summary>
    public static async Task<int> RunFromConsoleAsync(SetupArguments arguments)
    {
        using var cancel = new CancellationTokenSource();
        using var loggers = LoggerFactory.Create(b => b
            .SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return await new SetupCommand(Console.Out, Console.Error, TimeProvider.System, loggers, Console.In).RunAsync(arguments, cancel.Token).ConfigureAwait(false);
    }

    public async Task<int> RunAsync(SetupArguments a, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(a);
        IReadOnlyList<System.Net.IPAddress> addresses;
        try
        {
            addresses = SetupArguments.ResolveBind(a.Bind, NetworkInterface.GetAllNetworkInterfaces());
        }
        catch (CliUsageException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitUsage;
        }

        CameraConfig camera;
        try
        {
            camera = CameraConfigLoader.Load(a.Camera);
        }
        catch (CameraConfigException ex)
        {
            foreach (var error in ex.Errors.DefaultIfEmpty(ex.Message))
            {
                await stderr.WriteLineAsync($"error: invalid camera file '{a.Camera}': {error}").ConfigureAwait(false);
            }

            return ExitCamera;
        }

        DetectorModel model;
        try
        {
            model = DetectorModel.Load(new InferenceOptions { ModelDirectory = a.ModelDirectory, ExecutionProviders = a.Providers }, loggers.CreateLogger<DetectorModel>());
        }
        catch (ModelException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitModel;
        }

        using (model)
        {
            try
            {
                _ = new RuleEngine(camera, model.Manifest, a.DeviceId);
            }
            catch (CameraConfigException ex)
            {
                await stderr.WriteLineAsync($"error: invalid camera file '{a.Camera}': {string.Join("; ", ex.Errors)}").ConfigureAwait(false);
                return ExitCamera;
            }

            return await ServeAsync(a, addresses, camera, model, ct).ConfigureAwait(false);
        }
    }

    private async Task<int> ServeAsync(SetupArguments a, IReadOnlyList<System.Net.IPAddress> addresses, CameraConfig camera, DetectorModel model, CancellationToken ct)
    {
        // A relative clip in the camera file is relative to that file, as for the agent.
        var source = a.Source ?? CameraDocuments.ResolveFile(camera, Path.GetFullPath(a.Camera)).Source;
        var pose = new Lazy<PoseModel>(() => PoseModel.Load(new PoseOptions(), a.Providers, loggers.CreateLogger<PoseModel>()));
        var view = new LiveView(camera, model.Manifest);
        var draft = new SetupDraft(camera, model.Manifest, a.DeviceId);
        var runner = new LiveRunner(source, model, () => pose.Value, view, a.DeviceId, time, loggers);
        var access = SetupAccess.CreateRandom(time);
        using var certificate = SetupCertificate.Create(addresses, Environment.MachineName, time.GetUtcNow());
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var live = runner.RunAsync(stop.Token);
        try
        {
            await using var server = new SetupServer(a, addresses, certificate, access, draft, view, runner.Apply, time, loggers);
            await server.StartAsync(ct).ConfigureAwait(false);
            var fingerprint = SetupCertificate.Fingerprint(certificate);
            var logger = loggers.CreateLogger<SetupServer>();
            foreach (var address in server.Addresses)
            {
                var shown = address.IsLoopback ? new UriBuilder(address) { Host = "localhost" }.Uri : address;
                await stdout.WriteLineAsync($"set-up page: {shown}").ConfigureAwait(false);
                var url = shown.ToString();
                SetupLog.Listening(logger, url, fingerprint);
                if (address.IsLoopback)
                {
                    await stdout.WriteLineAsync($"  from the laptop: ssh -L {address.Port}:localhost:{address.Port} <this pole>, then open {shown}").ConfigureAwait(false);
                }
            }

            await stdout.WriteLineAsync($"certificate sha-256: {fingerprint}").ConfigureAwait(false);
            await stdout.WriteLineAsync($"one-time code: {access.Code}   ({SetupAccess.MaxFailures} wrong codes lock the device typing them, {SetupAccess.MaxFailuresPerCode} from all devices the page; Enter here prints a new code)").ConfigureAwait(false);
            access.Locked += (_, e) => Say(e.Client is { } client
                ? $"set-up page: {client} locked after {SetupAccess.MaxFailures} wrong codes (other devices can still sign in; Enter here prints a new code and unlocks it)"
                : $"set-up page locked for every device after {SetupAccess.MaxFailuresPerCode} wrong codes: press Enter in this terminal for a new code (the open session keeps working)");
            access.SessionEvicted += (_, _) =>
            {
                SetupLog.SessionEvicted(logger, SetupAccess.MaxSessions);
                Say($"set-up page: {SetupAccess.MaxSessions} sessions were open; the one idle the longest was closed for the new one");
            };
            RenewOnEnter(access, logger);
            await stdout.WriteLineAsync("Images stay on the pole -> laptop link and are never stored. Ctrl+C ends the set-up page.").ConfigureAwait(false);
            await stdout.FlushAsync(ct).ConfigureAwait(false);
            try
            {
                // Ctrl+C reaches the web host first (its console lifetime), which then stops: either ends the wait.
                using var ended = CancellationTokenSource.CreateLinkedTokenSource(ct, server.Stopping);
                await Task.Delay(Timeout.InfiniteTimeSpan, time, ended.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: the installation is over.
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await live.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }

            if (pose.IsValueCreated)
            {
                pose.Value.Dispose();
            }
        }

        return ExitOk;
    }

    // Console input is read on a thread of its own (a console read blocks, even through ReadLineAsync); the thread is a
    // background one, so it never holds the process at Ctrl+C. No terminal (a service, stdin closed): nothing to read.
    private void RenewOnEnter(SetupAccess access, ILogger logger)
    {
        if (stdin is null)
        {
            return;
        }

        var reader = new Thread(() =>
        {
            try
            {
                while (stdin.ReadLine() is not null)
                {
                    access.Renew(SetupAccess.RandomCode());
                    SetupLog.CodeRenewed(logger);
                    Say($"one-time code: {access.Code}   (new: the previous code no longer opens the page, the lock is lifted)");
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The terminal went away: codes can no longer be renewed, the page keeps serving.
            }
        })
        { IsBackground = true, Name = "setup-terminal" };
        reader.Start();
    }

    private void Say(string line)
    {
        lock (stdout)
        {
            stdout.WriteLine(line);
            stdout.Flush();
        }
    }
}
