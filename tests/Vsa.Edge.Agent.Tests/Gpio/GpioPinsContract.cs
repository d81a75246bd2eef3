using Vsa.Edge.Agent.Gpio;

namespace Vsa.Edge.Agent.Tests.Gpio;

/// <summary>
/// What every <see cref="IGpioPins"/> driver must do, run against each: <see cref="SimulatedGpioPinsContractTests"/>
/// everywhere, <see cref="GpioControllerPinsContractTests"/> on a board with a loopback jumper.
/// </summary>
public abstract class GpioPinsContract : IDisposable
{
    private readonly Lazy<IGpioPins> _pins;

    protected GpioPinsContract()
    {
        _pins = new Lazy<IGpioPins>(CreatePins);
    }

    protected IGpioPins Pins => _pins.Value;

    /// <summary>An output line connected to <see cref="Input"/>.</summary>
    protected abstract int Output { get; }

    /// <summary>An input line connected to <see cref="Output"/>.</summary>
    protected abstract int Input { get; }

    public void Dispose()
    {
        if (_pins.IsValueCreated)
        {
            _pins.Value.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    [ContractFact]
    public void Write_Output_ReadsBackTheLevelWritten()
    {
        Pins.OpenOutput(Output, high: false);
        Assert.False(Pins.Read(Output));

        Pins.Write(Output, high: true);

        Assert.True(Pins.Read(Output));
    }

    [ContractFact]
    public void Read_InputWiredToAnOutput_FollowsIt()
    {
        Pins.OpenOutput(Output, high: true);
        Pins.OpenInput(Input, pullUp: false);
        Assert.True(Pins.Read(Input));

        Pins.Write(Output, high: false);

        Assert.False(Pins.Read(Input));
    }

    [ContractFact]
    public async Task OnEdge_InputWiredToAnOutput_ReportsEachNewLevel()
    {
        Pins.OpenOutput(Output, high: false);
        Pins.OpenInput(Input, pullUp: false);
        var rising = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var falling = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var edges = Pins.OnEdge(Input, high => (high ? rising : falling).TrySetResult(high));

        Pins.Write(Output, high: true);
        Assert.True(await rising.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Pins.Write(Output, high: false);

        Assert.False(await falling.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [ContractFact]
    public void Description_NamesTheDriver() => Assert.False(string.IsNullOrWhiteSpace(Pins.Description));

    protected abstract IGpioPins CreatePins();
}

public sealed class SimulatedGpioPinsContractTests : GpioPinsContract
{
    protected override int Output => 17;

    protected override int Input => 27;

    protected override IGpioPins CreatePins()
    {
        var pins = new SimulatedGpioPins();
        pins.Wire(Output, Input);
        return pins;
    }
}

[RequiresGpioHardware]
public sealed class GpioControllerPinsContractTests : GpioPinsContract
{
    protected override int Output => GpioHardware.Loopback!.Value.Output;

    protected override int Input => GpioHardware.Loopback!.Value.Input;

    protected override IGpioPins CreatePins() => GpioControllerPins.Open(GpioHardware.Loopback!.Value.Chip, GpioDriverKind.Auto);
}
