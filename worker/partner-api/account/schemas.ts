import { z } from "@hono/zod-openapi";

export const HexColorSchema = z
  .string()
  .regex(/^#[0-9A-Fa-f]{6}$/, "must be a #RRGGBB colour")
  .openapi({ example: "#1A73E8" });
