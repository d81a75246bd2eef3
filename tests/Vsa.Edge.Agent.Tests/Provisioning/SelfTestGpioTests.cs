using Vsa.Edge.Agent.Gpio;
using Vsa.Edge.Agent.Provisioning;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Provisioning;

/// <summary>The installer toggles the switches when prompted (played by a terminal that drives the simulated lines as it reads the prompt).</summary>
public sealed class SelfTestGpioTests
{
    private static readonly GpioOptions Wired = new() { Driver = GpioDriverKind.Simulated, TamperPin = 5, MaintenancePin = 6, LedPin = 7 };

    [Fact]
    public async Task RunAsync_InstallerTogglesBothAndSeesTheLed_AllPass()
    {
        var system = FakePreflightSystem.Jetson();
        using var terminal = new Installer(system.Pins, toggle: [5, 6]);

        var checks = await new SelfTestGpio(system, new TerminalOutput(terminal, colour: false), new StringReader("y\ny\ny\n")).RunAsync(Wired, prompt: true, CancellationToken.None);

        Assert.Equal(["gpio.tamper", "gpio.maintenance", "gpio.led"], checks.Select(c => c.Id));
        Assert.All(checks, c => Assert.Equal(InstallationCheckStatus.Pass, c.Status));
        Assert.Contains("open the enclosure door", terminal.Text, StringComparison.Ordinal);
        Assert.Contains(system.Pins.Writes, w => w.Pin == 7);
    }

    [Fact]
    public async Task RunAsync_SwitchNeverToggledLedPatternMissed_FailsNamingThem()
    {
        var system = FakePreflightSystem.Jetson();
        using var terminal = new Installer(system.Pins, toggle: [6]);
        var run = new SelfTestGpio(system, new TerminalOutput(terminal, colour: false), new StringReader("y\ny\nn\n")).RunAsync(Wired, prompt: true, CancellationToken.None);

        // The tamper wait runs on the fake clock: its timeout passes without any real wait, once the wait has started
        // (the next prompt shows it ended).
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!terminal.Text.Contains("maintenance", StringComparison.Ordinal))
        {
            system.Clock.Advance(SelfTestGpio.ToggleTimeout);
            await Task.Delay(1, guard.Token);
        }

        var checks = await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(InstallationCheckStatus.Fail, checks[0].Status);
        Assert.Contains("never changed", checks[0].Detail, StringComparison.Ordinal);
        Assert.Equal(InstallationCheckStatus.Pass, checks[1].Status);
        Assert.Equal(("gpio.led", InstallationCheckStatus.Fail, "not seen: error"), (checks[2].Id, checks[2].Status, checks[2].Detail));
    }

    [Fact]
    public async Task RunAsync_NoPrompt_EachWiredPartNotChecked()
    {
        var checks = await new SelfTestGpio(FakePreflightSystem.Jetson(), new TerminalOutput(TextWriter.Null, false), TextReader.Null).RunAsync(Wired, prompt: false, CancellationToken.None);

        Assert.Equal(3, checks.Count);
        Assert.All(checks, c => Assert.Equal((InstallationCheckStatus.Warn, true), (c.Status, c.Detail.Contains("--no-prompt", StringComparison.Ordinal))));
    }

    // A terminal whose reader toggles a switch (there and back) when asked to, as an installer would.
    private sealed class Installer(SimulatedGpioPins pins, int[] toggle) : StringWriter
    {
        private readonly object _gate = new();

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return ToString();
                }
            }
        }

        public override void WriteLine(string? value)
        {
            lock (_gate)
            {
                base.WriteLine(value);
            }

            var pin = value is null ? 0 : value.Contains("tamper", StringComparison.Ordinal) ? 5 : value.Contains("maintenance", StringComparison.Ordinal) ? 6 : 0;
            if (pin != 0 && toggle.Contains(pin))
            {
                pins.Drive(pin, false);
                pins.Drive(pin, true);
            }
        }
    }
}
