using Vsa.Edge.CommandLine;
using Vsa.Edge.LoadGen;

// vsa-fleet-loadgen: loopback only, bounded counts and time. See README.md beside this file.
return await CliRunner.InvokeAsync(LoadGenCommands.Create(Console.In, Console.Out), args, Console.Out, Console.Error);
