using System.CommandLine;
using Vsa.Edge.Models.Onnx;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model inspect file.onnx</c>: inputs, outputs, opset, producer, size, node count.</summary>
public sealed class InspectCommand : IToolCommand
{
    public Command Create(ToolConsole console)
    {
        var file = new Argument<string>("file.onnx") { Description = "the ONNX file" };
        var command = ToolApp.Command(
            "inspect", "print an ONNX file's inputs, outputs, opset, producer, size and nodes", console, (result, _) => Run(result.GetRequiredValue(file), console));
        command.Add(file);
        return command;
    }

    private static async Task<int> Run(string path, ToolConsole console)
    {
        var s = OnnxInspector.Inspect(path);
        var w = console.Out;
        await w.WriteLineAsync($"file       {s.Path}");
        await w.WriteLineAsync($"size       {s.Bytes / 1e6:0.00} MB ({s.Bytes} bytes)");
        await w.WriteLineAsync($"producer   {s.Producer}");
        await w.WriteLineAsync($"ir         {s.IrVersion}");
        await w.WriteLineAsync($"opset      {string.Join(", ", s.Opsets)}");
        await w.WriteLineAsync($"nodes      {s.NodeCount} ({string.Join(", ", s.OpCounts.Select(p => $"{p.Key} {p.Value}"))})");
        await w.WriteLineAsync($"weights    {s.Initializers} initializers");
        foreach (var (key, value) in s.Metadata)
        {
            await w.WriteLineAsync($"metadata   {key} = {value}");
        }

        await w.WriteLineAsync("inputs");
        foreach (var input in s.Inputs)
        {
            await w.WriteLineAsync($"  {input}");
        }

        await w.WriteLineAsync("outputs");
        foreach (var output in s.Outputs)
        {
            await w.WriteLineAsync($"  {output}");
        }

        return 0;
    }
}
