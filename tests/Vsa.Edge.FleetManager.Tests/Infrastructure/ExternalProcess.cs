using System.Diagnostics;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>Runs a command-line tool (mosquitto_pub, mosquitto_sub) to completion with a time limit.</summary>
public static class ExternalProcess
{
    /// <summary>Result of a run.</summary>
    /// <param name="ExitCode">The exit code.</param>
    /// <param name="StandardOutput">Everything written on stdout.</param>
    /// <param name="StandardError">Everything written on stderr.</param>
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>Runs <paramref name="fileName"/> and returns when it exits; kills it and throws after <see cref="FleetApp.Timeout"/>.</summary>
    public static Task<Result> RunAsync(string fileName, params string[] arguments) => RunInAsync(null, fileName, arguments);

    /// <summary>
    /// Runs <paramref name="fileName"/> in <paramref name="workingDirectory"/> (the test's own when null) and returns when it
    /// exits; kills it and throws after <see cref="FleetApp.Timeout"/>.
    /// </summary>
    public static async Task<Result> RunInAsync(string? workingDirectory, string fileName, params string[] arguments)
    {
        if (!File.Exists(fileName))
        {
            throw new InvalidOperationException($"{fileName} does not exist (mosquitto_pub and mosquitto_sub come with 'apt-get install -y mosquitto-clients').");
        }

        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            startInfo.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not exit within {FleetApp.Timeout}.");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
