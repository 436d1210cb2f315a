/**
 * A server's usage over a timeframe, from Proxmox VE's RRD (`rrddata`, averages): one point per PVE
 * resolution step, oldest first. A figure PVE has not recorded (before the VM existed) is null.
 */
import { z } from 'zod';

export const usageTimeframes = ['hour', 'day', 'week', 'month'] as const;
export type UsageTimeframe = (typeof usageTimeframes)[number];

export const usageInputSchema = z
  .strictObject({
    id: z.string().max(200),
    timeframe: z.enum(usageTimeframes, { error: `must be one of ${usageTimeframes.join(', ')}` }),
  })
  .meta({ id: 'ServerUsageQuery' });

const figure = z.number().nullable();

export const usagePointSchema = z
  .object({
    time: z.date().describe('Start of the interval the averages cover'),
    cpu: figure.describe('CPU use as a fraction of all the server’s vCPUs (0–1)'),
    memoryBytes: figure.describe('Memory in use, bytes'),
    memoryTotalBytes: figure,
    netInBytesPerSecond: figure,
    netOutBytesPerSecond: figure,
    diskReadBytesPerSecond: figure,
    diskWriteBytesPerSecond: figure,
  })
  .meta({ id: 'UsagePoint' });
export type UsagePoint = z.infer<typeof usagePointSchema>;

export const serverUsageSchema = z
  .object({
    timeframe: z.enum(usageTimeframes),
    stepSeconds: z.number().int().describe('Seconds between points'),
    points: z.array(usagePointSchema),
  })
  .meta({ id: 'ServerUsage' });
export type ServerUsage = z.infer<typeof serverUsageSchema>;
